// Planning with observed facts (`--resolve`): what the built builder image showed replaces what
// static reading had to guess — the program's real path, whether it links a C library, and which
// packages own the libraries it loads. Pure: the facts come in as data (ConvertOptions.observed).
import { nativeClass } from "./artifacts.js";
import { images } from "./data.js";
import { osRelease } from "./releases.js";
import { leave, type LeaveAlone, type TransformContext, type TransformPlan } from "./transform.js";
import type { ArtifactCopy, ImageInfo, ObservedFacts, ObservedFile } from "./types.js";

/** Classes whose artifact is a native program the observed linkage can place. */
const NATIVE_CLASSES = new Set(["static", "static-shell", "glibc", "musl"]);

/** Packages observed to own the libraries the copied native files load (replacing the -dev guess). */
export interface ObservedPackages {
  names: string[];
  notes: string[];
}

/** Is `p` the artifact path itself or inside it? */
function under(from: string, p: string): boolean {
  const dir = from.replace(/\/+$/, "");
  return p === dir || p.startsWith(dir + "/");
}

/** One line per observed native file, for the explanation. */
export function describeFile(f: ObservedFile): string {
  const shown = f.name && f.name !== f.path ? `${f.name} (${f.path})` : f.path;
  if (f.kind === "missing") return `${shown}: not found in the builder`;
  if (f.kind === "script") return `${shown}: a script run by ${f.interpreter ?? "a shell"}`;
  if (f.kind !== "elf") return `${shown}: ${f.kind}`;
  if (f.static) return `${shown}: ELF, statically linked (no loader, no NEEDED library)`;
  const libs = (f.libraries ?? [])
    .map(
      (l) =>
        `${l.name}${l.package ? ` (${l.package})` : l.path ? " (no package)" : " (NOT FOUND)"}`,
    )
    .join(", ");
  return `${shown}: ELF, dynamic (${f.interpreter ? `${f.libc ?? "?"} loader ${f.interpreter}` : `a ${f.libc ?? "?"} library`})${f.glibc ? `, needs GLIBC_${f.glibc}` : ""}; loads ${libs || "no library"}`;
}

/**
 * The transform's plan settled by observation: an unknown artifact found (an install to an unknown
 * prefix), the runtime class from the real linkage, the runtime packages from the libraries'
 * owners. Returns the plan unchanged when the observation says nothing about it.
 */
export function withObserved(
  ctx: TransformContext,
  planned: TransformPlan | LeaveAlone,
  observed: ObservedFacts | undefined,
): (TransformPlan & { observedPackages?: ObservedPackages }) | LeaveAlone {
  if (!observed) return planned;
  let tp: TransformPlan;
  if ("leave" in planned) {
    const found = installedArtifacts(ctx, observed);
    if (planned.leave.code !== "artifact-unknown" || !found) return planned;
    tp = found;
  } else tp = planned;
  const notes = [...(tp.notes ?? [])];
  const covered = observed.files.filter(
    (f) => f.kind === "elf" && tp.artifacts.some((a) => under(a.from, f.path)),
  );
  // Each copy says whether the builder showed what it holds or the file's text implied it.
  tp = {
    ...tp,
    artifacts: tp.artifacts.map((a) => {
      if (a.why.startsWith("observed: ")) return a;
      const seen = observed.files.filter((f) => f.kind !== "missing" && under(a.from, f.path));
      const why = seen.length
        ? `${a.why}; observed: ${seen.length} native file${seen.length > 1 ? "s" : ""} or script${seen.length > 1 ? "s" : ""} there`
        : `inferred: ${a.why}`;
      return { ...a, why };
    }),
  };
  if (observed.truncated) {
    notes.push(
      "observed: the copied files hold more native files than --resolve reads; the runtime image and packages are inferred",
    );
    return { ...tp, runtimeWhy: `inferred: ${tp.runtimeWhy}`, notes };
  }
  if (covered.length === 0) {
    notes.push(
      `observed: no native program or library among the copied files in ${observed.source}; the runtime image is inferred`,
    );
    return { ...tp, runtimeWhy: `inferred: ${tp.runtimeWhy}`, notes };
  }
  for (const f of covered) notes.push(`observed: ${describeFile(f)}`);
  // Libraries the copies bring along (a private lib/ folder) need no package.
  const inCopies = (p: string) => tp.artifacts.some((a) => under(a.from, p));
  // An interpreter stack's runtime image is the same interpreter, slim: what the interpreter
  // itself loads (libruby and what it needs, even built from source into /usr/local) is there.
  const stack = !NATIVE_CLASSES.has(tp.runtimeClass);
  const runner = [observed.entry, observed.interpreter].find(
    (f) => f?.kind === "elf" && !inCopies(f.path),
  );
  const ownLibs = new Set(stack ? (runner?.libraries ?? []).map((l) => l.path) : []);
  const copied = (p: string) => inCopies(p) || ownLibs.has(p);
  const owners = new Set<string>();
  for (const f of covered) {
    for (const lib of f.libraries ?? []) {
      if (lib.path && copied(lib.path)) continue;
      if (!lib.path)
        return leave(
          "runtime-library-unknown",
          `observed: ${f.path} needs ${lib.name}, which the loader does not find in the builder (${observed.source})`,
        );
      if (!lib.package)
        return leave(
          "runtime-library-unknown",
          `observed: ${f.path} loads ${lib.path}, which no package of the builder owns (${lib.path.startsWith("/usr/local/") ? "built from source into /usr/local, as the official gcc images do with their libstdc++" : "installed by hand?"}), so the runtime stage cannot install it`,
        );
      owners.add(lib.package);
    }
  }
  const cc = new Set(images.ccLibraryPackages[observed.packageManager ?? "dpkg"] ?? []);
  const extra = [...owners].filter((p) => !cc.has(p)).sort();
  const held = [...owners].filter((p) => cc.has(p));
  const packageNote = extra.length
    ? `observed: the copied native files load libraries of ${extra.join(", ")} (runtime packages)${held.length ? `; ${held.join(", ")} the runtime image holds` : ""}`
    : `observed: the copied native files load only ${[...owners].join(", ") || "no library"}: no runtime package to install`;
  const observedPackages: ObservedPackages = { names: extra, notes: [packageNote] };
  if (!NATIVE_CLASSES.has(tp.runtimeClass))
    // An interpreter stack (Python, Node, Ruby…): its slim image, plus exactly what its native
    // extensions load.
    return { ...tp, runtimeWhy: `inferred: ${tp.runtimeWhy}`, notes, observedPackages };
  const names = covered.map((f) => f.path).join(", ");
  if (covered.every((f) => f.static))
    return {
      ...tp,
      runtimeClass: "static",
      runtimeWhy: `observed: ${names} ${covered.length > 1 ? "are" : "is"} statically linked (no loader, no NEEDED library in the ELF)`,
      notes,
      observedPackages: { names: [], notes: [] },
    };
  if (covered.some((f) => f.libc === "musl"))
    return {
      ...tp,
      runtimeClass: "musl",
      runtimeWhy: `observed: ${names} loads musl's loader: the same Alpine release runs it`,
      notes,
      observedPackages,
    };
  if (extra.length === 0 && ctx.facts.baseInfo?.distro === "debian")
    return {
      ...tp,
      runtimeClass: "cc",
      runtimeWhy: `observed: ${names} loads only ${[...owners].join(", ")} (glibc, libgcc_s, libstdc++): distroless cc of the same release holds them`,
      notes,
      observedPackages,
    };
  return {
    ...tp,
    runtimeClass: "glibc",
    runtimeWhy: `observed: ${names} loads libraries of ${extra.join(", ") || "glibc"}: a slim image of the same release with exactly those packages`,
    notes,
    observedPackages,
  };
}

/**
 * The files an install to an unknown prefix wrote, seen in the builder: the entry program found
 * on PATH, absent from the FROM image, and what else the build added under the same prefix.
 */
function installedArtifacts(ctx: TransformContext, observed: ObservedFacts): TransformPlan | null {
  const entry = observed.entry;
  if (!entry || entry.kind === "missing" || entry.builtHere !== true) return null;
  // What else the install wrote must be known too (data files, libraries): not just the entry.
  const installed = observed.installed;
  if (!installed?.paths.length) return null;
  const paths = installed.paths;
  if (!paths.some((p) => under(p, entry.path))) return null;
  const line = ctx.facts.lines.filter((l) => l.role === "build" || l.role === "artifact").at(-1);
  const artifacts: ArtifactCopy[] = paths.map((p) => ({
    from: p,
    to: p,
    why:
      p === entry.path
        ? `observed: the program the image runs (${entry.name ?? p} on PATH), absent from ${ctx.facts.base?.ref}`
        : `observed: added by the build under ${installed.prefix}, absent from ${ctx.facts.base?.ref}`,
    rule: "observed-install",
    line: line?.line ?? 1,
  }));
  const native = nativeClass(ctx);
  return {
    runtimeClass: native.runtimeClass,
    runtimeWhy: native.runtimeWhy,
    artifacts,
    needsShell: entry.kind === "script",
    evidence: [
      {
        rule: "observed-install",
        match: entry.name ?? entry.path,
        why: `the image runs ${entry.path}, observed in ${observed.source}`,
      },
    ],
  };
}

/**
 * The builder's OS release as observed in its /etc/os-release, when static reading did not know
 * it or knew another (a tag re-pointed since data/releases was made): the observation wins.
 */
export function observedBaseInfo(
  info: ImageInfo | null,
  observed: ObservedFacts | undefined,
): ImageInfo | null {
  const os = observed?.os;
  if (!info || !os) return info;
  const seen = osRelease(os.id, os.codename || os.versionId || "");
  if (!seen || info.os?.key === seen.key) return info;
  const { pin: _pin, releaseUnknown: _unknown, ...rest } = info;
  const distro = seen.distro;
  const known = distro === "debian" || distro === "ubuntu" || distro === "alpine";
  return {
    ...rest,
    ...(known ? { distro, libc: seen.libc } : {}),
    os: seen,
    release: seen.distro === "alpine" ? seen.version : seen.codename,
    releaseFrom: "observed",
  };
}
