#!/usr/bin/env bash
# msb-migrate's container engine for real builds (`msb-migrate verify`, test/e2e): a Docker engine plus
# LOCAL look-alikes of the official base images our mappings and fixtures use, for a Debian 12 host
# whose only reachable package source is the Debian apt mirror (no image registry).
# The images are listed in scripts/engine/images.txt (one a line: step, source, Debian release,
# tags); their Dockerfiles live in scripts/engine/toolchains.
#
# Idempotent: installs only missing host packages, starts dockerd only if it is not answering, and
# skips every image whose tag already exists (aliases are re-applied). One timing line per step.
#
#   ENGINE_WORK=/tmp/msb-engine   scratch dir (rootfs, logs, dockerd.pid)       [default /tmp/msb-engine]
#   ENGINE_FORCE=1                rebuild images even if their tag exists
#   ENGINE_ONLY="node python"     build only these steps (names as printed), plus nothing else
#
# Use /usr/bin/docker (Debian's 20.10 client with built-in BuildKit; a /usr/local/bin 28.x client
# lacks buildx) with DOCKER_BUILDKIT=1. Builds must never use --pull: FROM resolves to these tags.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/engine" && pwd)
TC=$HERE/toolchains
IMAGES=$HERE/images.txt
WORK=${ENGINE_WORK:-/tmp/msb-engine}
DOCKER=/usr/bin/docker
export DOCKER_BUILDKIT=1
mkdir -p "$WORK/logs"
T0=$SECONDS
log() { printf '[setup %4ss] %s\n' "$((SECONDS - T0))" "$*"; }
# step NAME STATUS START — the per-step timing line
done_step() { log "step=$1 status=$2 seconds=$((SECONDS - $3))"; }
fail_step() { log "step=$1 status=FAILED $2"; [ -z "${3:-}" ] || tail -n 25 "$3"; exit 1; }
wanted() { [ -z "${ENGINE_ONLY:-}" ] || [[ " $ENGINE_ONLY " == *" $1 "* ]]; }
have_image() { [ "${ENGINE_FORCE:-0}" != 1 ] && $DOCKER image inspect "$1" >/dev/null 2>&1; }
tag_aliases() { local src=$1; shift; for t in "$@"; do $DOCKER tag "$src" "$t"; done; }

# The Debian mirror this machine's apt uses (deb822 URIs: lines, or one-line "deb [opts] URI …"):
# its address comes from the machine, never from this repository.
apt_uris() {
  sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
  sed -n 's/^deb  *\(\[[^]]*\]  *\)\{0,1\}\([^ ]*\).*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
}
MIRROR=$(apt_uris | grep -v -e security -e '^$' | head -1 || true)
[ -n "$MIRROR" ] || { log "no Debian mirror in this machine's apt sources"; exit 1; }
SECURITY_MIRROR=$(apt_uris | grep security | head -1 || true)
SECURITY_MIRROR=${SECURITY_MIRROR:-${MIRROR%/debian}/debian-security}
export MIRROR SECURITY_MIRROR

# Runtime images the converter maps to, and builder images the fixtures start from.
REQUIRED_TAGS=(debian:bookworm-slim debian:stable-slim debian:bookworm debian:12-slim
  gcr.io/distroless/static-debian12 gcr.io/distroless/cc-debian12 gcr.io/distroless/base-debian12
  gcr.io/distroless/static-debian12:nonroot gcr.io/distroless/cc-debian12:nonroot
  nginx:stable-alpine nginx:1.22-alpine nginx:alpine nginx:stable nginx:1.22
  node:18-slim python:3.11-slim-bookworm eclipse-temurin:17-jre ruby:3.1-slim busybox:latest
  golang:1.19 gcc:12 rust:1.85 node:18 python:3.11-bookworm eclipse-temurin:17-jdk ruby:3.1 php:8.2-cli-bookworm)
REQUIRED_TAGS+=(elixir:1.14 hexpm/elixir:1.14.0-erlang-25.2.3-debian-bookworm-20230612 erlang:26 erlang:26-slim)
# Debian 13 trixie: the runtimes of trixie builders, and the builders of the e2e-*-trixie fixtures
REQUIRED_TAGS+=(debian:trixie-slim debian:trixie debian:13 debian:13-slim
  gcr.io/distroless/static-debian13 gcr.io/distroless/cc-debian13 gcr.io/distroless/base-debian13
  gcr.io/distroless/static-debian13:nonroot gcr.io/distroless/cc-debian13:nonroot
  gcc:14 rust:1.93 golang:1.24)

# --- host packages -------------------------------------------------------------------------------
s=$SECONDS
need=()
for p in docker.io busybox-static debootstrap; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  # no init scripts during install (no systemd here); restore whatever policy was there before
  had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1 && cp -p /usr/sbin/policy-rc.d "$WORK/policy-rc.d.bak"
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -q --no-install-recommends "${need[@]}" >"$WORK/logs/apt.log" 2>&1 || { tail -20 "$WORK/logs/apt.log"; exit 1; }
  if [ $had_policy = 1 ]; then cp -p "$WORK/policy-rc.d.bak" /usr/sbin/policy-rc.d; else rm -f /usr/sbin/policy-rc.d; fi
  done_step host-packages "installed(${need[*]})" "$s"
else
  done_step host-packages skipped "$s"
fi

# --- dockerd -------------------------------------------------------------------------------------
s=$SECONDS
if $DOCKER info >/dev/null 2>&1; then
  done_step dockerd "skipped(already answering)" "$s"
else
  # A dead dockerd leaves its pid files behind and then refuses to start; images in /var/lib/docker
  # survive, so clearing stale pids and restarting is enough to get them back.
  for pf in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
    if [ -f "$pf" ] && ! kill -0 "$(cat "$pf" 2>/dev/null)" 2>/dev/null; then rm -f "$pf"; fi
  done
  if pgrep -x dockerd >/dev/null; then
    log "dockerd is running but not answering yet; waiting for it"
  else
    setsid nohup dockerd >"$WORK/dockerd.log" 2>&1 < /dev/null & echo $! >"$WORK/dockerd.pid"
  fi
  for _ in $(seq 1 120); do $DOCKER info >/dev/null 2>&1 && break; sleep 0.5; done
  $DOCKER info >/dev/null || { tail -20 "$WORK/dockerd.log"; exit 1; }
  done_step dockerd "started(pid $(pgrep -x dockerd | head -1))" "$s"
fi

# --- the images of scripts/engine/images.txt ------------------------------------------------------

# busybox:latest: the host's static busybox on scratch
make_busybox() {
  local tag=$1 log=$WORK/logs/busybox.log
  rm -rf "$WORK/bb"; mkdir -p "$WORK/bb"; cp /bin/busybox "$WORK/bb/"
  cat > "$WORK/bb/Dockerfile" <<'D'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /etc /root /home /tmp /usr/bin /usr/sbin /sbin /var/www /var/spool/mail \
 && chmod 1777 /tmp && chmod 700 /root \
 && printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\nsys:x:3:3:sys:/dev:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > /etc/passwd \
 && printf 'root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nwww-data:x:33:\nnogroup:x:65534:\n' > /etc/group
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["sh"]
D
  $DOCKER build --progress=plain -t "$tag" "$WORK/bb" >"$log" 2>&1 || fail_step busybox "(log: $log)" "$log"
}

# debian:<release>-slim: debootstrap minbase from the mirror, trimmed like the official slim image
make_debian() {
  local step=$1 release=$2 tag=$3 root=$WORK/rootfs-$2 log=$WORK/logs/debootstrap-$2.log
  rm -rf "$root"
  debootstrap --variant=minbase "$release" "$root" "$MIRROR" >"$log" 2>&1 || fail_step "$step" "(log: $log)" "$log"
  "$HERE/slimify.sh" "$root" "$release"
  tar --numeric-owner -C "$root" -c . \
    | $DOCKER import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["bash"]' - "$tag" >/dev/null
  rm -rf "$root"
}

# DEBIAN_VERSION[release]: its number (13 for trixie), read from its debian image's os-release
declare -A DEBIAN_VERSION=()
read_debian_version() {
  local step=$1 release=$2
  [ -z "${DEBIAN_VERSION[$release]:-}" ] || return 0
  DEBIAN_VERSION[$release]=$($DOCKER run --rm --entrypoint sed "debian:$release-slim" \
    -n 's/^VERSION_ID="\{0,1\}\([0-9]*\).*/\1/p' /etc/os-release) \
    || fail_step "$step" "cannot read the version of debian:$release-slim (is its step in ENGINE_ONLY?)"
}

# A toolchains/ Dockerfile on debian:<release>-slim. Build args: RELEASE, DEBIAN_VERSION, and the
# REPOSITORY and VERSION (up to the first "-") of the tag it builds: rust:1.93 -> rust, 1.93.
make_from_dockerfile() {
  local step=$1 file=$TC/$2 release=$3 tag=$4 log=$WORK/logs/$1.log
  local repository=$tag version=latest
  if [[ ${tag##*/} == *:* ]]; then repository=${tag%:*}; version=${tag##*:}; fi
  read_debian_version "$step" "$release"
  $DOCKER build --progress=plain -f "$file" -t "$tag" \
    --build-arg RELEASE="$release" --build-arg DEBIAN_VERSION="${DEBIAN_VERSION[$release]}" \
    --build-arg REPOSITORY="$repository" --build-arg VERSION="${version%%-*}" \
    "$TC" >"$log" 2>&1 || fail_step "$step" "(log: $log)" "$log"
}

# debian:<suite>[-slim] and debian:latest (stable) name whatever release that suite is today: the
# mirror's dists/<suite>/Release says which, so a tag left behind when Debian moves on fails here.
declare -A SUITE_CODENAME=()
check_suite_tags() {
  local step=$1 release=$2 t suite; shift 2
  for t in "$@"; do
    [[ $t =~ ^debian:(latest|(old)*stable|testing|unstable)(-slim)?$ ]] || continue
    suite=${BASH_REMATCH[1]/latest/stable}
    if [ -z "${SUITE_CODENAME[$suite]:-}" ]; then
      /usr/lib/apt/apt-helper download-file "$MIRROR/dists/$suite/Release" "$WORK/Release-$suite" >/dev/null 2>&1 || true
      SUITE_CODENAME[$suite]=$(sed -n 's/^Codename: *//p' "$WORK/Release-$suite" 2>/dev/null || true)
    fi
    if [ -z "${SUITE_CODENAME[$suite]}" ]; then
      log "step=$step warning: could not read $MIRROR/dists/$suite/Release; $t unchecked"
    elif [ "${SUITE_CODENAME[$suite]}" != "$release" ]; then
      fail_step "$step" "$t: the mirror says $suite is ${SUITE_CODENAME[$suite]}, images.txt says $release (move the tag)"
    fi
  done
}

while read -r step source release tags <&3; do
  case $step in '' | '#'*) continue ;; esac
  read -r -a tagv <<<"$tags"
  [ ${#tagv[@]} -gt 0 ] || fail_step "$step" "no tags in $IMAGES"
  wanted "$step" || continue
  s=$SECONDS
  [ "$source" != debootstrap ] || check_suite_tags "$step" "$release" "${tagv[@]}"
  if have_image "${tagv[0]}"; then
    status=skipped
  else
    case $source in
      busybox-static) make_busybox "${tagv[0]}" ;;
      debootstrap) make_debian "$step" "$release" "${tagv[0]}" ;;
      Dockerfile.*) make_from_dockerfile "$step" "$source" "$release" "${tagv[0]}" ;;
      *) fail_step "$step" "unknown source '$source' in $IMAGES" ;;
    esac
    status=built
  fi
  tag_aliases "${tagv[0]}" "${tagv[@]:1}"
  done_step "$step" "$status" "$s"
done 3<"$IMAGES"

# --- every tag msb-migrate's mappings and fixtures name must resolve locally ----------------------
if [ -z "${ENGINE_ONLY:-}" ]; then
  missing=()
  for t in "${REQUIRED_TAGS[@]}"; do $DOCKER image inspect "$t" >/dev/null 2>&1 || missing+=("$t"); done
  if [ ${#missing[@]} -gt 0 ]; then log "step=check status=FAILED missing: ${missing[*]}"; exit 1; fi
  log "step=check status=ok tags=${#REQUIRED_TAGS[@]}"
fi

log "step=total seconds=$((SECONDS - T0))"
# every tag of images.txt with its size (a tag without one is :latest, as docker lists it)
sed -e '/^ *#/d' -e '/^ *$/d' "$IMAGES" | awk '{ for (i = 4; i <= NF; i++) print $i }' \
  | sed '/:[^/]*$/!s/$/:latest/' | sort -u >"$WORK/zoo-tags"
$DOCKER images --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | sort \
  | awk -F '\t' 'NR == FNR { zoo[$0]; next } $1 in zoo' "$WORK/zoo-tags" -
