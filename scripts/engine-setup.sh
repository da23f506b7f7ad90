#!/usr/bin/env bash
# msb-migrate's container engine for real builds (`msb-migrate verify`, test/e2e): a Docker engine plus
# LOCAL look-alikes of the official base images our mappings and fixtures use, for a Debian 12 host
# whose only reachable package source is the Debian apt mirror (no image registry).
# Adapted from the shared engine recipe; toolchain Dockerfiles live in scripts/engine/toolchains.
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
WORK=${ENGINE_WORK:-/tmp/msb-engine}
DOCKER=/usr/bin/docker
export DOCKER_BUILDKIT=1
mkdir -p "$WORK/logs"
T0=$SECONDS
log() { printf '[setup %4ss] %s\n' "$((SECONDS - T0))" "$*"; }
# step NAME STATUS START — the per-step timing line
done_step() { log "step=$1 status=$2 seconds=$((SECONDS - $3))"; }
wanted() { [ -z "${ENGINE_ONLY:-}" ] || [[ " $ENGINE_ONLY " == *" $1 "* ]]; }
have_image() { [ "${ENGINE_FORCE:-0}" != 1 ] && $DOCKER image inspect "$1" >/dev/null 2>&1; }
tag_aliases() { local src=$1; shift; for t in "$@"; do $DOCKER tag "$src" "$t"; done; }

# build_image NAME DOCKERFILE CONTEXT TAG [ALIAS...]
build_image() {
  local name=$1 file=$2 ctx=$3 tag=$4; shift 4
  wanted "$name" || return 0
  local s=$SECONDS
  if have_image "$tag"; then
    tag_aliases "$tag" "$@"; done_step "$name" skipped "$s"; return 0
  fi
  if ! $DOCKER build --progress=plain -f "$file" -t "$tag" "$ctx" >"$WORK/logs/$name.log" 2>&1; then
    log "step=$name status=FAILED (log: $WORK/logs/$name.log)"; tail -n 25 "$WORK/logs/$name.log"; exit 1
  fi
  tag_aliases "$tag" "$@"
  done_step "$name" built "$s"
}

# Runtime images the converter maps to, and builder images the fixtures start from.
REQUIRED_TAGS=(debian:bookworm-slim debian:stable-slim debian:bookworm debian:12-slim
  gcr.io/distroless/static-debian12 gcr.io/distroless/cc-debian12 gcr.io/distroless/base-debian12
  gcr.io/distroless/static-debian12:nonroot gcr.io/distroless/cc-debian12:nonroot
  nginx:stable-alpine nginx:1.22-alpine nginx:alpine nginx:stable nginx:1.22
  node:18-slim python:3.11-slim eclipse-temurin:17-jre ruby:3.1-slim busybox:latest
  golang:1.19 gcc:12 rust:1.63 node:18 python:3.11 eclipse-temurin:17-jdk ruby:3.1 php:8.2-cli)
REQUIRED_TAGS+=(elixir:1.14 hexpm/elixir:1.14.0-erlang-25.2.3-debian-bookworm-20230612 erlang:25 erlang:25-slim)

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

# --- busybox (FROM scratch, busybox-static) -----------------------------------------------------
if wanted busybox; then
  s=$SECONDS
  if have_image busybox:latest; then
    tag_aliases busybox:latest busybox:local; done_step busybox skipped "$s"
  else
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
    $DOCKER build --progress=plain -t busybox:latest "$WORK/bb" >"$WORK/logs/busybox.log" 2>&1 \
      || { tail -20 "$WORK/logs/busybox.log"; exit 1; }
    tag_aliases busybox:latest busybox:local
    done_step busybox built "$s"
  fi
fi

# bookworm is Debian stable, so the stable tags are the same image here
DEBIAN_ALIASES=(debian:bookworm debian:12 debian:12-slim debian:latest debian:stable debian:stable-slim)

# --- debian:bookworm-slim (debootstrap minbase, trimmed like the official slim image) ------------
if wanted debian; then
  s=$SECONDS
  if have_image debian:bookworm-slim; then
    tag_aliases debian:bookworm-slim "${DEBIAN_ALIASES[@]}"
    done_step debian skipped "$s"
  else
    rm -rf "$WORK/rootfs-bookworm"
    debootstrap --variant=minbase bookworm "$WORK/rootfs-bookworm" http://deb.debian.org/debian \
      >"$WORK/logs/debootstrap.log" 2>&1 || { tail -20 "$WORK/logs/debootstrap.log"; exit 1; }
    "$HERE/slimify.sh" "$WORK/rootfs-bookworm"
    tar --numeric-owner -C "$WORK/rootfs-bookworm" -c . \
      | $DOCKER import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["bash"]' - debian:bookworm-slim >/dev/null
    rm -rf "$WORK/rootfs-bookworm"
    tag_aliases debian:bookworm-slim "${DEBIAN_ALIASES[@]}"
    done_step debian built "$s"
  fi
fi

# --- toolchain and runtime images (Debian bookworm packages on the local debian:bookworm-slim) ---
build_image golang       "$TC/Dockerfile.golang"       "$TC" golang:1.19 golang:1.19-bookworm
build_image gcc          "$TC/Dockerfile.gcc"          "$TC" gcc:12 gcc:12-bookworm
build_image node         "$TC/Dockerfile.node"         "$TC" node:18 node:18-bookworm
build_image node-slim    "$TC/Dockerfile.node-slim"    "$TC" node:18-slim node:18-bookworm-slim
build_image python       "$TC/Dockerfile.python"       "$TC" python:3.11 python:3.11-bookworm
build_image python-slim  "$TC/Dockerfile.python-slim"  "$TC" python:3.11-slim python:3.11-slim-bookworm
build_image rust         "$TC/Dockerfile.rust"         "$TC" rust:1.63 rust:1.63-bookworm
build_image temurin-jdk  "$TC/Dockerfile.temurin-jdk"  "$TC" eclipse-temurin:17-jdk eclipse-temurin:17
build_image temurin-jre  "$TC/Dockerfile.temurin-jre"  "$TC" eclipse-temurin:17-jre
build_image ruby         "$TC/Dockerfile.ruby"         "$TC" ruby:3.1 ruby:3.1-bookworm
build_image ruby-slim    "$TC/Dockerfile.ruby-slim"    "$TC" ruby:3.1-slim ruby:3.1-slim-bookworm
build_image php          "$TC/Dockerfile.php"          "$TC" php:8.2-cli php:8.2-cli-bookworm
# elixir: Debian's elixir 1.14 on erlang 25; the hexpm/* tag names the Debian release like the real one
build_image elixir       "$TC/Dockerfile.elixir"       "$TC" elixir:1.14 hexpm/elixir:1.14.0-erlang-25.2.3-debian-bookworm-20230612
build_image erlang       "$TC/Dockerfile.erlang"       "$TC" erlang:25
build_image erlang-slim  "$TC/Dockerfile.erlang-slim"  "$TC" erlang:25-slim
# There is no Alpine here: the -alpine tags our mappings use name the Debian nginx look-alike (same
# config layout, same /usr/share/nginx/html, same port); only the size differs from the real thing.
build_image nginx        "$TC/Dockerfile.nginx"        "$TC" nginx:1.22 nginx:stable nginx:latest \
  nginx:1.22-alpine nginx:stable-alpine nginx:alpine
build_image distroless-static "$TC/Dockerfile.distroless-static" "$TC" gcr.io/distroless/static-debian12 gcr.io/distroless/static-debian12:latest
# distroless/base (glibc + libssl, no libstdc++) is a subset of cc: the cc look-alike stands in for it
build_image distroless-cc     "$TC/Dockerfile.distroless-cc"     "$TC" gcr.io/distroless/cc-debian12 gcr.io/distroless/cc-debian12:latest \
  gcr.io/distroless/base-debian12 gcr.io/distroless/base-debian12:latest
# :nonroot variants (USER 65532) — metadata only
for b in static cc; do
  wanted "distroless-$b-nonroot" || continue
  s=$SECONDS; img=gcr.io/distroless/$b-debian12
  if have_image "$img:nonroot"; then done_step "distroless-$b-nonroot" skipped "$s"; continue; fi
  printf 'FROM %s\nUSER 65532:65532\nWORKDIR /home/nonroot\n' "$img" \
    | $DOCKER build --progress=plain -t "$img:nonroot" - >"$WORK/logs/distroless-$b-nonroot.log" 2>&1 \
    || { tail -20 "$WORK/logs/distroless-$b-nonroot.log"; exit 1; }
  done_step "distroless-$b-nonroot" built "$s"
done

# --- every tag msb-migrate's mappings and fixtures name must resolve locally ----------------------
if [ -z "${ENGINE_ONLY:-}" ]; then
  missing=()
  for t in "${REQUIRED_TAGS[@]}"; do $DOCKER image inspect "$t" >/dev/null 2>&1 || missing+=("$t"); done
  if [ ${#missing[@]} -gt 0 ]; then log "step=check status=FAILED missing: ${missing[*]}"; exit 1; fi
  log "step=check status=ok tags=${#REQUIRED_TAGS[@]}"
fi

log "step=total seconds=$((SECONDS - T0))"
$DOCKER images --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' \
  | grep -E '^(debian|busybox|golang|gcc|node|python|rust|eclipse-temurin|ruby|php|elixir|hexpm/elixir|erlang|nginx|gcr.io/distroless/)' | sort
