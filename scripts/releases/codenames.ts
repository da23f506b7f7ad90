// The Debian and Ubuntu codenames and their version numbers, read from the history of
// library/debian and library/ubuntu themselves: an entry tagged `bookworm, bookworm-20250811,
// 12.11, 12` or `24.04, noble-20250805, noble` names a codename and its version.
import type { Codenames } from "../../src/release-names.js";
import type { ManifestEntry } from "./manifest.js";

// Names of suites and channels, not of releases (Debian's stable/testing/…, Ubuntu's rolling/devel).
export const SUITE_ALIASES = new Set([
  "stable",
  "oldstable",
  "oldoldstable",
  "testing",
  "unstable",
  "experimental",
  "latest",
  "rolling",
  "devel",
]);

// Releases older than the manifest files, or that library/debian never tagged with a number;
// from https://www.debian.org/releases/ and https://wiki.ubuntu.com/Releases. Only used where
// the history says nothing.
const FALLBACK: Codenames = {
  debian: { lenny: "5", squeeze: "6", wheezy: "7", jessie: "8", stretch: "9", buster: "10" },
  ubuntu: { lucid: "10.04", precise: "12.04", trusty: "14.04" },
};

/**
 * Codenames from every version of library/debian and library/ubuntu, oldest first. A bare word
 * tag is a codename when its entry also carries a number or a dated build of the word. Its number
 * is the one tagged beside it in the most file versions, and a number belongs to one codename
 * only (library/debian once tagged sid `8` for a day, jessie `8` for years).
 */
export function codenamesFrom(debian: ManifestEntry[][], ubuntu: ManifestEntry[][]): Codenames {
  return {
    debian: collect(debian, /^(\d+)(\.\d+)*$/, FALLBACK.debian),
    ubuntu: collect(ubuntu, /^(\d\d\.\d\d)(\.\d+)?$/, FALLBACK.ubuntu),
  };
}

function collect(
  versions: ManifestEntry[][],
  number: RegExp,
  fallback: Record<string, string>,
): Record<string, string> {
  const words = new Set<string>();
  const votes = new Map<string, Map<string, number>>(); // number → codename → file versions
  for (const entries of versions) {
    for (const e of entries) {
      const numbered = e.tags.map((t) => number.exec(t)?.[1]).find(Boolean);
      for (const word of e.tags) {
        if (!/^[a-z]+$/.test(word) || SUITE_ALIASES.has(word)) continue;
        const dated = e.tags.some(
          (t) => t.startsWith(`${word}-`) && /^\d/.test(t.slice(word.length + 1)),
        );
        if (!numbered && !dated) continue;
        words.add(word);
        if (!numbered) continue;
        let byWord = votes.get(numbered);
        if (!byWord) votes.set(numbered, (byWord = new Map()));
        byWord.set(word, (byWord.get(word) ?? 0) + 1);
      }
    }
  }
  const found: Record<string, string> = Object.fromEntries([...words].map((w) => [w, ""]));
  for (const [n, byWord] of votes) {
    const [word] = [...byWord].sort((a, b) => b[1] - a[1])[0]!;
    found[word] = n;
  }
  for (const [word, version] of Object.entries(fallback)) {
    if (!found[word]) found[word] = version;
  }
  return Object.fromEntries(Object.entries(found).sort(([, a], [, b]) => byVersion(a, b)));
}

function byVersion(a: string, b: string): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  return a.localeCompare(b, "en", { numeric: true });
}
