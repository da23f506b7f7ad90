// Reading a Debian archive's index files: a suite's Packages file (deb822 stanzas) and its Release
// file. Only the fields the runtime-library derivation needs are kept.

export interface BinaryPackage {
  name: string;
  /** The source package it was built from (`Source:` without its version, else its own name). */
  source: string;
  /** The section without its component (`contrib/libs` → `libs`). */
  section: string;
  /** `Depends:` as groups of `|` alternatives, names only (versions and `:any` dropped). */
  depends: string[][];
}

export interface PackagesIndex {
  packages: Map<string, BinaryPackage>;
  /** Virtual package name → the real packages that `Provides:` it, in archive order. */
  providers: Map<string, string[]>;
}

/** `foo (>= 1) | bar:any [amd64] <!nocheck>, baz` → [["foo", "bar"], ["baz"]]. */
export function parseRelations(field: string | undefined): string[][] {
  if (!field) return [];
  return field
    .split(",")
    .map((group) =>
      group
        .split("|")
        .map((alt) => alt.trim().split(/[\s(:[<]/, 1)[0]!)
        .filter((name) => name !== ""),
    )
    .filter((group) => group.length > 0);
}

const WANTED = new Set(["Package", "Source", "Section", "Depends", "Provides"]);

/** The wanted fields of each stanza; continuation lines are joined with a space. */
function* stanzas(text: string): Generator<Map<string, string>> {
  let fields = new Map<string, string>();
  let current: string | null = null;
  for (const line of text.split("\n")) {
    if (line === "") {
      if (fields.size > 0) yield fields;
      fields = new Map();
      current = null;
    } else if (line.startsWith(" ") || line.startsWith("\t")) {
      if (current) fields.set(current, fields.get(current) + " " + line.trim());
    } else {
      const colon = line.indexOf(":");
      const key = colon > 0 ? line.slice(0, colon) : "";
      current = WANTED.has(key) ? key : null;
      if (current) fields.set(current, line.slice(colon + 1).trim());
    }
  }
  if (fields.size > 0) yield fields;
}

/**
 * Index a Packages file. A package listed twice (two versions in one suite, as linux-libc-dev in
 * trixie) keeps the union of both stanzas' dependencies: either version can be installed.
 */
export function parsePackages(text: string): PackagesIndex {
  const packages = new Map<string, BinaryPackage>();
  const providers = new Map<string, string[]>();
  for (const f of stanzas(text)) {
    const name = f.get("Package");
    if (!name) continue;
    const depends = parseRelations(f.get("Depends"));
    const seen = packages.get(name);
    if (seen) {
      seen.depends.push(...depends);
      continue;
    }
    packages.set(name, {
      name,
      source: (f.get("Source") ?? name).split(" ", 1)[0]!,
      section: (f.get("Section") ?? "").replace(/^.*\//, ""),
      depends,
    });
    for (const [virtual] of parseRelations(f.get("Provides"))) {
      const list = providers.get(virtual!) ?? [];
      if (!list.includes(name)) list.push(name);
      providers.set(virtual!, list);
    }
  }
  return { packages, providers };
}

export interface ReleaseInfo {
  /** `Version:` (absent for testing), e.g. "12.15". */
  version?: string;
  /** `Date:` as ISO 8601. */
  date: string;
}

/** The header fields of a suite's Release file that say which state of the archive was read. */
export function parseRelease(text: string): ReleaseInfo {
  const field = (name: string) => new RegExp(`^${name}: *(.*)$`, "m").exec(text)?.[1]?.trim();
  const date = field("Date");
  if (!date) throw new Error("Release file without a Date field");
  const version = field("Version");
  return {
    ...(version ? { version } : {}),
    date: new Date(Date.parse(date)).toISOString().replace(".000Z", "Z"),
  };
}
