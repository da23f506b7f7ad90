// The runtime packages of Debian -dev packages, per release, generated from the Debian archive
// (data/debian-runtime-libs.json, `npm run data:debian-libs`; see README). Read on first use only:
// the table is large, and most conversions never ask.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DEBIAN_RUNTIME_LIBS_FILE = "debian-runtime-libs.json";

/** One -dev package: the same answer in every release of the file, or per space-separated releases. */
export type Entry = string[] | Record<string, string[]>;

export interface RuntimeLibsFile {
  about: string;
  generator: number;
  /** Release codename → the state of the archive read (Release file's Version and Date). */
  releases: Record<string, { version?: string; date: string }>;
  packages: Record<string, Entry>;
}

/** The answer an entry gives for one release: null when the package is not in that release. */
export function entryFor(entry: Entry | undefined, release: string): string[] | null {
  if (entry === undefined) return null;
  if (Array.isArray(entry)) return entry;
  for (const [releases, answer] of Object.entries(entry)) {
    if (releases.split(" ").includes(release)) return answer;
  }
  return null;
}

let table: RuntimeLibsFile | undefined;

function load(): RuntimeLibsFile {
  if (table) return table;
  // data/ sits beside src/ in the repository, two levels up from dist/src/ (tsc) and one up from
  // dist/ (the esbuild bundle and its chunks), as in src/data.ts.
  const path = ["../data/", "../../data/"]
    .map((dir) => fileURLToPath(new URL(dir + DEBIAN_RUNTIME_LIBS_FILE, import.meta.url)))
    .find((p) => existsSync(p));
  if (!path) throw new Error(`data/${DEBIAN_RUNTIME_LIBS_FILE} not found`);
  table = JSON.parse(readFileSync(path, "utf8")) as RuntimeLibsFile;
  return table;
}

/**
 * The packages the runtime stage needs for a -dev package the build installed on Debian
 * `codename`: [] when it needs none (headers only, or only what every image has), null when the
 * package or the release is not in the data.
 */
export function debianRuntimeLibs(devPackage: string, codename: string): string[] | null {
  const { releases, packages } = load();
  if (!Object.hasOwn(releases, codename) || !Object.hasOwn(packages, devPackage)) return null;
  const answer = entryFor(packages[devPackage], codename);
  return answer ? [...answer] : null;
}

/** The Debian releases the data covers, oldest first. */
export function debianReleasesInData(): string[] {
  return Object.keys(load().releases);
}
