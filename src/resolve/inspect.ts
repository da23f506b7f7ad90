// Inspects a built builder image in one throwaway container (no network): a POSIX shell script
// reads /etc/os-release, finds the entry program as the image's command would (PATH, WORKDIR),
// lists the native files under the planned artifacts, asks the loader (ldd) which libraries they
// map and the package database (dpkg -S, apk info --who-owns, rpm -qf) who owns each. The ELF
// files themselves are copied out (docker cp) and read in TypeScript (elf.ts).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Docker } from "../verify/docker.js";
import { firstLine } from "../verify/docker.js";
import type { ObservedFacts, ObservedFile } from "../types.js";
import { readElf } from "./elf.js";

export interface InspectRequest {
  /** The built builder image (tag or id). */
  image: string;
  /** The FROM image of the builder, to tell what the build added (an install's files). */
  baseImage?: string;
  /** The program the image's command runs, as written (`tool`, `./target/release/app`). */
  entry?: string;
  /** WORKDIR the command runs in. */
  workdir: string;
  /** Absolute artifact paths (files or folders) whose native files matter. */
  paths: string[];
  /** Also list what the build added under the entry program's prefix (install to an unknown prefix). */
  findInstall: boolean;
  /** For the explanation: what was built. */
  source: string;
}

/** At most this many native files are read (a big venv or node_modules has hundreds). */
const MAX_FILES = 200;
/** Output kept of one inspect run: a prefix like /usr/local lists thousands of paths. */
const LISTING_CHARS = 64 * 1024 * 1024;
/** An install that added more top-level paths than this is not copied path by path. */
const MAX_INSTALLED = 40;

// Lines out, tab-separated: OS <os-release line> | PM <db> | ENTRY <path> | INTERP <#! program> |
// PREFIX <dir> | TRUNCATED | FILE <path> <kind> <#! line> | LIB <file> <name> <path> |
// OWNER <path> <package> | TREE <path> (last: it can be long).
const SCRIPT = String.raw`
T="$(printf '\t')"
entry="$1"; find_install="$2"; shift 2; prefix=""
[ -r /etc/os-release ] && grep -E '^(ID|VERSION_ID|VERSION_CODENAME)=' /etc/os-release | sed "s/^/OS$T/"
pm=""
if command -v dpkg >/dev/null 2>&1; then pm=dpkg; elif command -v apk >/dev/null 2>&1; then pm=apk; elif command -v rpm >/dev/null 2>&1; then pm=rpm; fi
echo "PM$T$pm"
kind() {
  magic=$(dd if="$1" bs=4 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
  case "$magic" in
    7f454c46) echo elf ;;
    504b0304) echo jar ;;
    2321*) echo script ;;
    *) echo other ;;
  esac
}
files=""
if [ -n "$entry" ]; then
  case "$entry" in
    */*) p="$entry" ;;
    *) p=$(command -v "$entry" 2>/dev/null || true) ;;
  esac
  if [ -n "$p" ] && [ -e "$p" ]; then
    r=$(readlink -f "$p"); echo "ENTRY$T$r"
    files="$r"
    # A script: the program its #! line names runs it (through env when it says so).
    if [ "$(kind "$r")" = script ]; then
      line=$(head -n 1 "$r" | sed 's/^#![[:space:]]*//')
      i=$(echo "$line" | awk '{print $1}')
      case "$i" in */env) i=$(command -v "$(echo "$line" | awk '{print ($2 == "-S") ? $3 : $2}')" 2>/dev/null || true) ;; esac
      if [ -n "$i" ] && [ -e "$i" ]; then
        i=$(readlink -f "$i"); echo "INTERP$T$i"; files="$files
$i"
      fi
    fi
    if [ "$find_install" = 1 ]; then
      d=$(dirname "$r"); case "$(basename "$d")" in bin|sbin) d=$(dirname "$d") ;; esac
      # The whole file system or /usr is no install prefix to compare.
      case "$d" in /|/usr) ;; *) prefix="$d"; echo "PREFIX$T$d" ;; esac
    fi
  else echo "ENTRY$T"; fi
fi
# Libraries and native addons first, then executables (a node_modules holds many executable scripts).
list=$( { for a in "$@"; do [ -e "$a" ] && find -H "$a" -xdev -type f \( -name '*.so' -o -name '*.so.*' -o -name '*.node' \) 2>/dev/null; done; \
  for a in "$@"; do [ -e "$a" ] && find -H "$a" -xdev -type f -perm -u+x ! -name '*.so' ! -name '*.so.*' ! -name '*.node' 2>/dev/null; done; } | head -n ${MAX_FILES + 1})
if [ "$(printf '%s\n' "$list" | wc -l)" -gt ${MAX_FILES} ]; then
  echo "TRUNCATED$T"; list=$(printf '%s\n' "$list" | head -n ${MAX_FILES})
fi
printf '%s\n%s\n' "$files" "$list" | awk '!seen[$0]++' | while IFS= read -r f; do
  [ -n "$f" ] || continue
  k=$(kind "$f")
  echo "FILE$T$f$T$k$T$(head -n 1 "$f" 2>/dev/null | head -c 200 | tr -d '\r\0' | grep '^#!' || true)"
  if [ "$k" = elf ] && command -v ldd >/dev/null 2>&1; then
    ldd "$f" 2>&1 | sed 's/^[[:space:]]*//' | while IFS= read -r l; do
      case "$l" in
        *"=> not found"*) n=$(echo "$l" | sed 's/ =>.*//'); echo "LIB$T$f$T$n$T" ;;
        *"=> /"*) n=$(echo "$l" | sed 's/ =>.*//'); lp=$(echo "$l" | sed 's/.*=> //; s/ (0x.*//'); echo "LIB$T$f$T$n$T$lp" ;;
        /*" (0x"*) lp=$(echo "$l" | sed 's/ (0x.*//'); echo "LIB$T$f$T$(basename "$lp")$T$lp" ;;
      esac
    done
  fi
done > /tmp/.msb-files
cat /tmp/.msb-files
owner() {
  for q in "$1" "$(readlink -f "$1")" "/usr$1" "$(echo "$1" | sed 's,^/usr/,/,')"; do
    case "$pm" in
      dpkg) o=$(dpkg -S "$q" 2>/dev/null | grep -v '^diversion' | head -n 1 | sed 's/: .*//; s/:.*//; s/,.*//') ;;
      apk) o=$(apk info -q --who-owns "$q" 2>/dev/null | head -n 1 | sed 's/.* is owned by //; s/-[0-9][^-]*-r[0-9]*$//') ;;
      rpm) o=$(rpm -qf --qf '%{NAME}\n' "$q" 2>/dev/null | head -n 1) ;;
      *) o="" ;;
    esac
    [ -n "$o" ] && { echo "$o"; return; }
  done
}
[ -n "$pm" ] && sed -n "s/^LIB$T[^$T]*$T[^$T]*$T\(\/.*\)/\1/p" /tmp/.msb-files | sort -u | while IFS= read -r lp; do
  echo "OWNER$T$lp$T$(owner "$lp")"
done
# Last: the (long) listing of the install prefix.
[ -n "$prefix" ] && find "$prefix" -xdev 2>/dev/null | sed "s/^/TREE$T/"
exit 0
`;

// Which of the given paths exist in the base image, and what its prefix holds.
const BASE_SCRIPT = String.raw`
T="$(printf '\t')"; prefix="$1"; shift
for p in "$@"; do [ -e "$p" ] && echo "HAS$T$p"; done
[ -n "$prefix" ] && find "$prefix" -xdev 2>/dev/null | sed "s/^/TREE$T/"
exit 0
`;

export type InspectOutcome =
  { ok: true; observed: ObservedFacts; seconds: number } | { ok: false; reason: string };

export async function inspectBuilder(
  docker: Docker,
  req: InspectRequest,
  signal?: AbortSignal,
): Promise<InspectOutcome> {
  const t0 = performance.now();
  const name = `msb-resolve-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const tmp = await mkdtemp(path.join(tmpdir(), "msb-resolve-"));
  try {
    const created = await docker.run(
      [
        "create",
        "--name",
        name,
        "--network",
        "none",
        "--entrypoint",
        "/bin/sh",
        "-w",
        req.workdir || "/",
        req.image,
        "-c",
        SCRIPT,
        "sh",
        req.entry ?? "",
        req.findInstall ? "1" : "0",
        ...req.paths,
      ],
      { signal, timeoutMs: 60_000 },
    );
    if (created.code !== 0)
      return {
        ok: false,
        reason: `cannot create a container of the builder: ${firstLine(created.stderr)}`,
      };
    // A prefix listing can be long: keep all of it (the facts come first, the listing last).
    const ran = await docker.run(["start", "-a", name], {
      signal,
      timeoutMs: 300_000,
      maxChars: LISTING_CHARS,
    });
    if (ran.code !== 0)
      return {
        ok: false,
        reason: `the inspection script failed in the builder (it needs /bin/sh): ${firstLine(ran.stderr) || `exit ${ran.code}`}`,
      };
    const out = parseInspection(ran.stdout);
    // The ELF files themselves: copied out of the stopped container and read here.
    const elfs = out.files.filter((f) => f.kind === "elf").slice(0, MAX_FILES);
    for (const [i, f] of elfs.entries()) {
      const dest = path.join(tmp, String(i));
      const cp = await docker.run(["cp", "-L", `${name}:${f.path}`, dest], {
        signal,
        timeoutMs: 120_000,
      });
      if (cp.code !== 0) continue;
      const elf = readElf(await readFile(dest));
      await rm(dest, { force: true });
      if (!elf) continue;
      f.static = elf.static;
      f.needed = elf.needed;
      if (elf.interpreter) f.interpreter = elf.interpreter;
      if (elf.glibc) f.glibc = elf.glibc;
      f.libc = !elf.interpreter
        ? elf.needed.length === 0
          ? "none"
          : f.libc
        : /musl/.test(elf.interpreter)
          ? "musl"
          : "glibc";
      // A shared library has no interpreter: its C library is its libc.so's kind.
      if (!f.libc) f.libc = elf.needed.some((n) => /^libc\.musl/.test(n)) ? "musl" : "glibc";
    }
    const observed: ObservedFacts = {
      source: req.source,
      os: out.os,
      packageManager: out.pm,
      entry: null,
      files: out.files,
      ...(out.truncated ? { truncated: true } : {}),
    };
    if (req.entry) {
      const found = out.files.find((f) => f.path === out.entry);
      observed.entry = out.entry
        ? { ...(found ?? { path: out.entry, kind: "other" as const }), name: req.entry }
        : { path: req.entry, name: req.entry, kind: "missing" };
    }
    const runner = out.files.find((f) => f.path === out.interpreter);
    if (runner) observed.interpreter = runner;
    // Only an install to an unknown prefix needs to know what the FROM image already had.
    if (req.findInstall && observed.entry && observed.entry.kind !== "missing" && req.baseImage) {
      const base = await docker.run(
        [
          "run",
          "--rm",
          "--network",
          "none",
          "--entrypoint",
          "/bin/sh",
          req.baseImage,
          "-c",
          BASE_SCRIPT,
          "sh",
          req.findInstall ? (out.prefix ?? "") : "",
          observed.entry.path,
        ],
        { signal, timeoutMs: 120_000, maxChars: LISTING_CHARS },
      );
      if (base.code === 0) {
        const has = new Set(lines(base.stdout, "HAS"));
        observed.entry.builtHere = !has.has(observed.entry.path);
        if (req.findInstall && out.prefix) {
          const installed = addedPaths(out.tree, lines(base.stdout, "TREE"));
          if (installed.length > 0 && installed.length <= MAX_INSTALLED)
            observed.installed = { prefix: out.prefix, paths: installed };
        }
      } else observed.entry.builtHere = null;
    }
    return { ok: true, observed, seconds: Math.round(performance.now() - t0) / 1000 };
  } finally {
    await docker.run(["rm", "-f", "-v", name], { timeoutMs: 60_000 });
    await rm(tmp, { recursive: true, force: true });
  }
}

function lines(stdout: string, tag: string): string[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith(tag + "\t"))
    .map((l) => l.slice(tag.length + 1));
}

/** The script's output as data (exported for tests). */
export function parseInspection(stdout: string): {
  os: ObservedFacts["os"];
  pm: ObservedFacts["packageManager"];
  entry: string | null;
  /** The #! program of an entry script. */
  interpreter: string | null;
  prefix: string | null;
  tree: string[];
  files: ObservedFile[];
  truncated: boolean;
} {
  const osVars: Record<string, string> = {};
  for (const l of lines(stdout, "OS")) {
    const m = /^(\w+)=(.*)$/.exec(l);
    if (m) osVars[m[1]!] = m[2]!.replace(/^["']|["']$/g, "");
  }
  const os = osVars["ID"]
    ? {
        id: osVars["ID"],
        ...(osVars["VERSION_ID"] ? { versionId: osVars["VERSION_ID"] } : {}),
        ...(osVars["VERSION_CODENAME"] ? { codename: osVars["VERSION_CODENAME"] } : {}),
      }
    : null;
  const pmLine = lines(stdout, "PM")[0] ?? "";
  const pm = pmLine === "dpkg" || pmLine === "apk" || pmLine === "rpm" ? pmLine : null;
  const entry = lines(stdout, "ENTRY")[0] || null;
  const owners = new Map<string, string | null>();
  for (const l of lines(stdout, "OWNER")) {
    const [p, o] = l.split("\t");
    owners.set(p!, o || null);
  }
  const files = new Map<string, ObservedFile>();
  for (const l of lines(stdout, "FILE")) {
    const [p, kind, shebang] = l.split("\t");
    const k = kind === "elf" || kind === "jar" || kind === "script" ? kind : "other";
    const f: ObservedFile = { path: p!, kind: k };
    if (k === "script" && shebang) f.interpreter = shebang.replace(/^#!\s*/, "").trim();
    files.set(p!, f);
  }
  for (const l of lines(stdout, "LIB")) {
    const [file, libName, libPath] = l.split("\t");
    const f = files.get(file!);
    if (!f) continue;
    (f.libraries ??= []).push({
      name: libName!,
      path: libPath || null,
      package: libPath ? (owners.get(libPath) ?? null) : null,
    });
  }
  return {
    os,
    pm,
    entry,
    interpreter: lines(stdout, "INTERP")[0] || null,
    prefix: lines(stdout, "PREFIX")[0] || null,
    tree: lines(stdout, "TREE"),
    files: [...files.values()],
    truncated: lines(stdout, "TRUNCATED").length > 0,
  };
}

/** The topmost paths of `after` absent from `before` (a new folder stands for all inside it). */
export function addedPaths(after: string[], before: string[]): string[] {
  const had = new Set(before);
  const added = after.filter((p) => !had.has(p)).sort();
  const top: string[] = [];
  for (const p of added) if (!top.some((t) => p.startsWith(t + "/"))) top.push(p);
  return top;
}
