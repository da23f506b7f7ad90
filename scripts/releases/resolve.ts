// From the history of every library/* file to each tag's last definition, the OS release of that
// definition, and the sibling tag that pins the release.
import {
  isGenericKey,
  namedKey,
  releaseSpans,
  unpinnedForms,
  type Codenames,
} from "../../src/release-names.js";
import { codenamesFrom } from "./codenames.js";
import type { LibraryHistory } from "./history.js";
import { parseManifest, type ManifestEntry } from "./manifest.js";

export interface TagDefinition {
  /** OS key of the release, null when the definition names none. */
  key: string | null;
  /** The tag names the release itself. */
  named: boolean;
  pin?: string;
  /** Commit date (YYYY-MM-DD, UTC) of the last file version that defined the tag. */
  lastDefined: string;
  /** The definition is in the newest version of the file (the tag is still maintained). */
  current: boolean;
}

export interface ReleaseTable {
  codenames: Codenames;
  /** repo → tag → definition. */
  repos: Map<string, Map<string, TagDefinition>>;
}

// Repositories that are an OS themselves: their version tags (`3.20`, `2023`, `9`) name the
// release; `depth` is how many version components the release key keeps.
const OS_REPOS: Record<string, { depth: number; words?: string[] }> = {
  alpine: { depth: 2, words: ["edge"] },
  amazonlinux: { depth: 1 },
  centos: { depth: 1 },
  oraclelinux: { depth: 1 },
  almalinux: { depth: 1 },
  rockylinux: { depth: 1 },
  fedora: { depth: 1, words: ["rawhide"] },
};

interface LastDefinition {
  entry: ManifestEntry;
  /** All the entries of the file version (Debian's suites are read from them). */
  version: ManifestEntry[];
  date: string;
  current: boolean;
  key: string | null;
}

/**
 * `baseImages`: given the entries that name no release, the image each one's Dockerfile builds
 * FROM (`buildpack-deps:trixie`, `erlang:27`), when the image sources are at hand (--sources).
 */
export function buildReleaseTable(
  history: LibraryHistory,
  baseImages?: (entries: ManifestEntry[]) => Map<ManifestEntry, string>,
): ReleaseTable {
  const parsed = new Map<string, ManifestEntry[]>();
  const entriesOf = (blob: string) => {
    let e = parsed.get(blob);
    if (!e) parsed.set(blob, (e = parseManifest(history.blobs.get(blob) ?? "")));
    return e;
  };
  const byRepo = new Map<string, typeof history.versions>();
  for (const v of history.versions) {
    let list = byRepo.get(v.repo);
    if (!list) byRepo.set(v.repo, (list = []));
    list.push(v);
  }
  const versionsOf = (repo: string) =>
    (byRepo.get(repo) ?? []).flatMap((v) => (v.blob ? [entriesOf(v.blob)] : []));
  const codenames = codenamesFrom(versionsOf("debian"), versionsOf("ubuntu"));
  const keyOf = entryKeys(codenames);

  const lasts = new Map<string, Map<string, LastDefinition>>();
  for (const [repo, versions] of byRepo) {
    // Newest → oldest: a tag's last definition is the first version met that has it. Within a
    // version, Linux entries first: a SharedTag on Linux and Windows entries is the Linux one.
    const last = new Map<string, LastDefinition>();
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i]!;
      if (!v.blob) continue;
      const version = entriesOf(v.blob);
      const date = new Date(v.date).toISOString().slice(0, 10);
      const current = i === versions.length - 1;
      for (const windows of [false, true]) {
        for (const entry of version) {
          if (entry.windows !== windows) continue;
          for (const tag of entry.tags) {
            if (last.has(tag)) continue;
            last.set(tag, { entry, version, date, current, key: keyOf(repo, entry, version) });
          }
        }
      }
    }
    if (last.size > 0) lasts.set(repo, last);
  }
  if (baseImages) followBaseImages(lasts, baseImages, codenames);

  const repos = new Map<string, Map<string, TagDefinition>>();
  for (const [repo, last] of lasts) {
    const out = new Map<string, TagDefinition>();
    for (const [tag, { entry, key, date, current }] of last) {
      const def: TagDefinition = {
        key,
        named: key !== null && namedKey(tag, codenames, repo) === key,
        lastDefined: date,
        current,
      };
      if (key && !def.named) {
        const pin = entry.tags.find(
          (sibling) =>
            sibling !== tag &&
            last.get(sibling)?.key === key &&
            releaseSpans(sibling, codenames, repo).some(
              (s) => s.key === key && unpinnedForms(sibling, s).includes(tag),
            ),
        );
        if (pin) def.pin = pin;
      }
      out.set(tag, def);
    }
    repos.set(repo, out);
  }
  return { codenames, repos };
}

/**
 * Definitions that name no release, or only a distro (`alpine`), take their base image's: the
 * release its tag names (`FROM buildpack-deps:trixie`), or the one the table has for it
 * (`FROM erlang:27`, itself followed when it names none, a few steps at most).
 */
function followBaseImages(
  lasts: Map<string, Map<string, LastDefinition>>,
  baseImages: (entries: ManifestEntry[]) => Map<ManifestEntry, string>,
  names: Codenames,
) {
  const own = new Map<ManifestEntry, string | null>();
  for (const last of lasts.values()) {
    for (const d of last.values()) {
      if (!d.entry.windows && (d.key === null || isGenericKey(d.key))) own.set(d.entry, d.key);
    }
  }
  const bases = baseImages([...own.keys()]);
  const found = new Map<ManifestEntry, string | null>();
  const entryKey = (entry: ManifestEntry, depth: number): string | null => {
    const key = own.has(entry) ? own.get(entry)! : null;
    const base = bases.get(entry);
    const via = base && depth < 5 ? imageKey(base, depth + 1) : null;
    return via && !isGenericKey(via) ? via : (key ?? via);
  };
  const imageKey = (ref: string, depth: number): string | null => {
    const image = officialImage(ref);
    if (!image) return null;
    const named = namedKey(image.tag, names, image.repo);
    if (named && !isGenericKey(named)) return named;
    const d = lasts.get(image.repo)?.get(image.tag);
    if (!d) return named;
    if (d.key && !isGenericKey(d.key)) return d.key;
    return entryKey(d.entry, depth) ?? named;
  };
  for (const entry of bases.keys()) found.set(entry, entryKey(entry, 0));
  for (const last of lasts.values()) {
    for (const d of last.values()) if (found.has(d.entry)) d.key = found.get(d.entry)!;
  }
}

/** `erlang:27`, `docker.io/library/debian:trixie-slim@sha256:…` → repository and tag; null elsewhere. */
function officialImage(ref: string): { repo: string; tag: string } | null {
  const m =
    /^(?:(?:docker\.io|index\.docker\.io)\/)?(?:library\/)?([a-z0-9][a-z0-9._-]*)(?::([\w][\w.-]*))?(?:@\S+)?$/.exec(
      ref,
    );
  return m ? { repo: m[1]!, tag: m[2] ?? "latest" } : null;
}

/** The release of an entry, worked out once per entry (and per Debian file version). */
function entryKeys(names: Codenames) {
  const keys = new WeakMap<ManifestEntry, string | null>();
  const suites = new WeakMap<ManifestEntry[], Map<string, string>>();
  return (repo: string, entry: ManifestEntry, version: ManifestEntry[]): string | null => {
    let key = keys.get(entry);
    if (key !== undefined) return key;
    key = entryKey(repo, entry, names);
    if (!key && repo === "debian") {
      let s = suites.get(version);
      if (!s) suites.set(version, (s = debianSuites(version, names)));
      const suite = [...s.keys()].find((name) =>
        entry.tags.some((t) => t === name || t.startsWith(`${name}-`)),
      );
      if (suite) key = s.get(suite)!;
    }
    if (!key && entry.windows) key = "windows";
    keys.set(entry, key);
    return key;
  };
}

function entryKey(repo: string, e: ManifestEntry, names: Codenames): string | null {
  const os = OS_REPOS[repo];
  if (os) {
    // The version tags (`3.22.1`, `3.22`, `3`; `2023.8.20250101`, `2023`; `10-minimal`), not
    // dated builds (alpine:20190228 is an edge snapshot): the shortest one that still has
    // `depth` components, so amazonlinux:1 and amazonlinux:2018.03 are both amazonlinux:1.
    const versions = e.tags
      .map((t) => /^(\d{1,4}(?:\.\d+)*)(?:-|$)/.exec(t)?.[1]?.split("."))
      .filter((v) => v !== undefined);
    const deep = versions.filter((v) => v.length >= os.depth).sort((a, b) => a.length - b.length);
    if (deep[0]) return `${repo}:${deep[0].slice(0, os.depth).join(".")}`;
    const word = e.tags.find((t) => os.words?.includes(t));
    if (word) return `${repo}:${word}`;
  }
  const dir = namedKey(e.directory, names, repo);
  if (dir && !isGenericKey(dir)) return dir;
  // The tags: the release most of them name, specific before generic.
  const votes = new Map<string, number>();
  for (const t of e.tags) {
    const k = namedKey(t, names, repo);
    if (k) votes.set(k, (votes.get(k) ?? 0) + (isGenericKey(k) ? 1 : 1000));
  }
  const best = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (best && isGenericKey(best) && dir) return dir;
  return best ?? dir;
}

/**
 * What Debian's suite names meant in one version of library/debian: stable is the numbered
 * codename with the highest number, oldstable the next, oldoldstable the next; testing is the
 * one codename without a number (other than sid); unstable, experimental and rc-buggy are sid.
 */
function debianSuites(entries: ManifestEntry[], names: Codenames): Map<string, string> {
  const numbered: [string, number][] = [];
  let testing: string | null = null;
  for (const e of entries) {
    // sid is never stable, whatever number it was once tagged with (8, for a day in 2014).
    const word = e.tags.find((t) => Object.hasOwn(names.debian, t));
    if (!word || word === "sid") continue;
    const number = e.tags.map((t) => /^(\d+)(\.\d+)*$/.exec(t)?.[1]).find(Boolean);
    if (number) numbered.push([word, Number(number)]);
    else testing = word;
  }
  const ordered = [...new Map(numbered.sort((a, b) => b[1] - a[1]))].map(([w]) => w);
  const suites = new Map<string, string>();
  ["stable", "oldstable", "oldoldstable"].forEach((s, i) => {
    if (ordered[i]) suites.set(s, `debian:${ordered[i]}`);
  });
  if (testing) suites.set("testing", `debian:${testing}`);
  // experimental and rc-buggy are sid with an extra package source.
  if (Object.hasOwn(names.debian, "sid")) {
    for (const s of ["unstable", "experimental", "rc-buggy"]) suites.set(s, "debian:sid");
  }
  return suites;
}
