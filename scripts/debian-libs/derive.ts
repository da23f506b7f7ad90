// For each -dev package of a Debian suite (a name ending in -dev or with a -dev- part, such as
// libmariadb-dev-compat): the runtime packages a program built against it needs.
//
// The rule, in order:
// 1. Its own libraries: the packages it Depends on that come from the same source package and are
//    library packages (see isLibraryPackage). libssl-dev → libssl3; libpq-dev → libpq5.
//    It also takes the answers of the development packages of its own source it Depends on:
//    transitional packages (libncurses5-dev → libtinfo6 and libncurses-dev → libncurses6, …).
// 2. None of its own: it follows the development packages it Depends on (any source: -dev names,
//    and Section libdevel packages that are not libraries, like krb5-multidev) and takes the
//    union of their answers, to a depth of MAX_DEPTH with cycles cut. Metapackages and renames land
//    here: default-libmysqlclient-dev → libmariadb-dev-compat → libmariadb-dev → libmariadb3;
//    python3-dev → libpython3-dev, python3.11-dev → libpython3.11. The compiler's own -dev
//    packages (those build-essential pulls in: libc6-dev, libstdc++-12-dev, …) are not followed:
//    every builder has them, and their libraries (libc6, libstdc++6) are in every Debian image
//    that has apt. Otherwise header-only C++ libraries (libboost1.74-dev → libstdc++-12-dev)
//    would all answer libstdc++6.
// 3. Neither: headers only, the empty list (linux-libc-dev, libboost-dev, rapidjson-dev).
// A dependency `a | b` is its first alternative that is a real package, or failing that a virtual
// one with a single provider (that provider). A virtual with several providers counts only
// through a provider from the depending package's own source; otherwise it is skipped, as
// ambiguous. A virtual -dev name with a single provider in Section libdevel (libz-dev →
// zlib1g-dev) gets that provider's answer, as apt would install it; with several (libcurl-dev)
// apt asks which, and so it gets no entry. Virtual names of other sections are left out: Rust,
// Go and Haskell packages provide tens of thousands (librust-foo+feature-dev) nobody installs
// by hand. Pre-Depends, Recommends and Suggests are not followed.
import type { BinaryPackage, PackagesIndex } from "./archive.js";

/** Bumped when the rule changes, so a diff of the data file says why it moved. */
export const GENERATOR_VERSION = 1;
/** How many development packages deep rule 2 follows (bullseye to forky need at most 18). */
export const MAX_DEPTH = 64;

const DEV = /-dev(-|$)/;
/** Same-source packages named lib* that hold programs, data, documentation or headers. */
const NOT_A_LIBRARY =
  /-(bin|common|data|doc|docs|utils|tools|headers|config|dbg|dbgsym|locales|l10n|examples)$/;

export function isDevPackage(name: string): boolean {
  return DEV.test(name);
}

/**
 * A library package, decided from the archive (see README): Section libs or oldlibs, or a name
 * starting with `lib` in another section (libjwt0 is in devel, libpython3.11-stdlib in python),
 * and in either case not a -dev package nor one of the lib*-bin/-common/-data/… helper packages.
 * Sibling packages of other sections (python3.11, gir1.2-gtk-3.0, erlang-base) are not libraries.
 */
export function isLibraryPackage(p: BinaryPackage): boolean {
  if (isDevPackage(p.name) || NOT_A_LIBRARY.test(p.name)) return false;
  return p.section === "libs" || p.section === "oldlibs" || p.name.startsWith("lib");
}

/**
 * What rule 2 follows: a -dev package, or a non-library package of Section libdevel (libkrb5-dev
 * has its libraries through krb5-multidev).
 */
function isDevelopment(p: BinaryPackage): boolean {
  return isDevPackage(p.name) || (p.section === "libdevel" && !isLibraryPackage(p));
}

export interface DeriveStats {
  /** Virtual dependencies skipped because several packages provide them. */
  ambiguousVirtuals: number;
  /** Packages whose following of -dev dependencies stopped at MAX_DEPTH. */
  depthLimited: number;
  /** The deepest level rule 2 reached. */
  deepest: number;
}

export function deriveRuntimeLibs(
  index: PackagesIndex,
  stats: DeriveStats = { ambiguousVirtuals: 0, depthLimited: 0, deepest: 0 },
): Map<string, string[]> {
  const { packages, providers } = index;

  /** The package a dependency group stands for, or null. */
  function choose(group: string[], from: BinaryPackage): BinaryPackage | null {
    for (const name of group) {
      const real = packages.get(name);
      if (real) return real;
    }
    for (const name of group) {
      const provided = providers.get(name) ?? [];
      if (provided.length === 1) return packages.get(provided[0]!) ?? null;
      const own = provided.map((n) => packages.get(n)!).find((p) => p.source === from.source);
      if (own) return own;
      if (provided.length > 1) stats.ambiguousVirtuals++;
    }
    return null;
  }

  /** The -dev packages of build-essential's dependency closure: the compiler's own. */
  function toolchainDevPackages(): Set<string> {
    const seen = new Set<string>();
    const todo = [packages.get("build-essential")].filter((p) => p !== undefined);
    for (let p = todo.pop(); p; p = todo.pop()) {
      for (const group of p.depends) {
        const d = choose(group, p);
        if (d && !seen.has(d.name)) {
          seen.add(d.name);
          todo.push(d);
        }
      }
    }
    return new Set([...seen].filter((name) => isDevelopment(packages.get(name)!)));
  }
  const toolchain = toolchainDevPackages();

  interface Step {
    own: string[];
    /** Development packages it depends on, of its own source (followed always) and of others. */
    sameSourceDev: string[];
    otherDev: string[];
  }
  const steps = new Map<string, Step>();
  function step(p: BinaryPackage): Step {
    let s = steps.get(p.name);
    if (s) return s;
    s = { own: [], sameSourceDev: [], otherDev: [] };
    for (const group of p.depends) {
      const d = choose(group, p);
      if (!d || d.name === p.name) continue;
      if (d.source === p.source && isLibraryPackage(d)) s.own.push(d.name);
      else if (isDevelopment(d) && !toolchain.has(d.name)) {
        (d.source === p.source ? s.sameSourceDev : s.otherDev).push(d.name);
      }
    }
    steps.set(p.name, s);
    return s;
  }

  /** Breadth-first through the development packages rule 2 follows: exact, cycle-safe. */
  function runtimeOf(dev: BinaryPackage): string[] {
    const found = new Set<string>();
    const visited = new Set([dev.name]);
    let frontier = [dev];
    for (let depth = 0; frontier.length > 0; depth++) {
      if (depth > MAX_DEPTH) {
        stats.depthLimited++;
        break;
      }
      stats.deepest = Math.max(stats.deepest, depth);
      const next: BinaryPackage[] = [];
      for (const p of frontier) {
        const s = step(p);
        for (const lib of s.own) found.add(lib);
        const follow = s.own.length > 0 ? s.sameSourceDev : [...s.sameSourceDev, ...s.otherDev];
        for (const name of follow) {
          if (visited.has(name)) continue;
          visited.add(name);
          next.push(packages.get(name)!);
        }
      }
      frontier = next;
    }
    return [...found].sort();
  }

  const result = new Map<string, string[]>();
  for (const p of packages.values()) if (isDevPackage(p.name)) result.set(p.name, runtimeOf(p));
  for (const [virtual, provided] of providers) {
    if (!isDevPackage(virtual) || packages.has(virtual) || provided.length !== 1) continue;
    const provider = packages.get(provided[0]!)!;
    if (provider.section === "libdevel") result.set(virtual, runtimeOf(provider));
  }
  return new Map([...result].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
