// How an image tag or a source directory names an OS release: `1.93-trixie`, `3.20-alpine3.20`,
// `stable/alpine/3.20`, `windowsservercore-ltsc2022`, `jdk-21-noble`, `ubi9-minimal`. Shared by
// the generator (scripts/gen-releases.ts) and the lookup (src/releases.ts). The Debian and Ubuntu
// codenames are not written here: they come from the history of library/debian and
// library/ubuntu (data/releases/os.json).

export interface Codenames {
  /** Debian codename → major version ("13"), "" when the release has no number yet (testing). */
  debian: Record<string, string>;
  /** Ubuntu codename → version ("24.04"). */
  ubuntu: Record<string, string>;
}

export type Distro = "debian" | "ubuntu" | "alpine" | "windows" | "rhel" | "other";
export type Libc = "glibc" | "musl" | "none" | "unknown";

// OS key prefix → distro; the rest are "other".
const DISTRO: Record<string, Distro> = {
  debian: "debian",
  ubuntu: "ubuntu",
  alpine: "alpine",
  windows: "windows",
  ubi: "rhel",
  centos: "rhel",
  oraclelinux: "rhel",
  rockylinux: "rhel",
  almalinux: "rhel",
  amazonlinux: "rhel",
};
const LIBC: Record<Distro, Libc> = {
  debian: "glibc",
  ubuntu: "glibc",
  rhel: "glibc",
  alpine: "musl",
  windows: "none",
  other: "unknown",
};

/** What an OS key says by itself: distro, libc family, codename or version. */
export function describeKey(
  key: string,
  names: Codenames,
): { distro: Distro; libc: Libc; version?: string; codename?: string } {
  const [prefix = key, release] = key.split(":") as [string, string?];
  const distro = DISTRO[prefix] ?? "other";
  const row: ReturnType<typeof describeKey> = { distro, libc: LIBC[distro] };
  if (!release) return row;
  if (distro === "debian" || distro === "ubuntu") {
    row.codename = release;
    const version = names[distro][release];
    if (version) row.version = version;
  } else if (release !== "edge" && release !== "rawhide") row.version = release;
  return row;
}

/** Where a text names a release. */
export interface ReleaseSpan {
  /** OS key: "debian:trixie", "alpine:3.20", "windows:ltsc2022"; "alpine", "windows"… when the version is not named. */
  key: string;
  /** The naming words: [start, end) in the text. */
  start: number;
  end: number;
  /**
   * Where the release-specific part starts when a family word stays in the tag of a floating
   * sibling (`1-alpine3.20` ~ `1-alpine`, `windowsservercore-ltsc2022` ~ `windowsservercore`).
   */
  versionStart?: number;
}

interface Word {
  text: string;
  start: number;
}

function words(text: string): Word[] {
  const out: Word[] = [];
  const re = /[^-/_]+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ text: m[0], start: m.index });
  return out;
}

// One word, or a family word and the version word after it (`alpine-3.20`, `alpine/3.20`,
// `nanoserver-1809`). `key` builds the OS key from the match; `split` marks rules whose
// release-specific part is the version alone (the family word stays in floating tags).
interface Rule {
  word: RegExp;
  next?: RegExp;
  key: (m: RegExpExecArray, next: RegExpExecArray | null, names: Codenames) => string | null;
  split?: boolean;
}

const byVersion = (table: Record<string, string>, version: string) =>
  Object.keys(table).find((c) => table[c] === version) ?? null;

const RULES: Rule[] = [
  { word: /^alpine(\d+\.\d+)$/, key: (m) => `alpine:${m[1]}`, split: true },
  // hexpm/* tags name the patch release too: …-alpine-3.18.0.
  { word: /^alpine$/, next: /^(\d+\.\d+)(\.\d+)?$/, key: (_, n) => `alpine:${n![1]}`, split: true },
  { word: /^alpine$/, key: () => "alpine" },
  {
    word: /^(windowsservercore|nanoserver|servercore)$/,
    next: /^(ltsc\d{4}|\d{4}|\d\dH\d)$/,
    key: (_, n) => `windows:${n![1]}`,
    split: true,
  },
  { word: /^(windowsservercore|nanoserver)$/, key: () => "windows" },
  { word: /^(ltsc\d{4})$/, key: (m) => `windows:${m[1]}` },
  { word: /^ubi(\d+)$/, key: (m) => `ubi:${m[1]}` },
  { word: /^ubi$/, next: /^(\d+)$/, key: (_, n) => `ubi:${n![1]}` },
  {
    word: /^(oraclelinux|centos|rockylinux|almalinux|amazonlinux|fedora)(\d+)$/,
    key: (m) => `${m[1]}:${m[2]}`,
  },
  {
    word: /^(oraclelinux|centos|rockylinux|almalinux|amazonlinux|fedora)$/,
    next: /^(\d+)$/,
    key: (m, n) => `${m[1]}:${n![1]}`,
  },
  // amazoncorretto's al2, al2023.
  { word: /^al(2|2023)$/, key: (m) => `amazonlinux:${m[1]}` },
  {
    word: /^ubuntu$/,
    next: /^(\d\d\.\d\d)$/,
    key: (_, n, names) => ((c) => (c ? `ubuntu:${c}` : null))(byVersion(names.ubuntu, n![1]!)),
  },
  { word: /^ubuntu$/, key: () => "ubuntu" },
  {
    word: /^debian$/,
    next: /^(\d+)$/,
    key: (_, n, names) => ((c) => (c ? `debian:${c}` : null))(byVersion(names.debian, n![1]!)),
  },
  {
    word: /^debian(\d+)$/,
    key: (m, _, names) => ((c) => (c ? `debian:${c}` : null))(byVersion(names.debian, m[1]!)),
  },
  { word: /^debian$/, key: () => "debian" },
  { word: /^[a-z]+$/, key: (m, _, names) => codename(m[0], names) },
];

function codename(word: string, names: Codenames): string | null {
  if (Object.hasOwn(names.debian, word)) return `debian:${word}`;
  if (Object.hasOwn(names.ubuntu, word)) return `ubuntu:${word}`;
  return null;
}

/**
 * Every place a tag or directory names a release, in text order. `exclude`: a word that is not a
 * codename here (the repository's own name: Apache Groovy's `groovy` is not Ubuntu 20.10).
 */
export function releaseSpans(text: string, names: Codenames, exclude?: string): ReleaseSpan[] {
  const ws = words(text);
  const spans: ReleaseSpan[] = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    for (const rule of RULES) {
      if (w.text === exclude) break;
      const m = rule.word.exec(w.text);
      if (!m) continue;
      const nextWord = rule.next ? ws[i + 1] : undefined;
      const n = rule.next && nextWord ? rule.next.exec(nextWord.text) : null;
      if (rule.next && !n) continue;
      const key = rule.key(m, n, names);
      if (!key) continue;
      const last = n ? nextWord! : w;
      const end = last.start + last.text.length;
      const span: ReleaseSpan = { key, start: w.start, end };
      if (rule.split)
        span.versionStart = n ? nextWord!.start : w.start + m[0].length - m[1]!.length;
      spans.push(span);
      if (n) i++;
      break;
    }
  }
  return spans;
}

/** Generic keys ("alpine", "windows") give way to a specific one of the same distro. */
export function isGenericKey(key: string): boolean {
  return !key.includes(":");
}

/**
 * The release a text names. When it names several, the last specific one: the OS comes last in
 * tags and directories (`lunar-ros-core-xenial`, `ros/lunar/ubuntu/xenial`, `3.20-alpine3.20`).
 */
export function namedKey(text: string, names: Codenames, exclude?: string): string | null {
  const spans = releaseSpans(text, names, exclude);
  const specific = spans.filter((s) => !isGenericKey(s.key));
  return (specific.at(-1) ?? spans.at(-1))?.key ?? null;
}

/**
 * The tags a release-naming tag stands in for: `1.93-trixie` → `1.93`, `trixie` → `latest`,
 * `26-trixie-slim` → `26-slim`, `1-alpine3.20` → `1-alpine` and `1`... (the release words and one
 * adjacent `-` removed; the empty tag is `latest`).
 */
export function unpinnedForms(tag: string, span: ReleaseSpan): string[] {
  const cut = (from: number, to: number) => {
    let before = tag.slice(0, from);
    let after = tag.slice(to);
    if (before.endsWith("-")) before = before.slice(0, -1);
    else if (after.startsWith("-")) after = after.slice(1);
    return before + after || "latest";
  };
  const forms = [cut(span.start, span.end)];
  if (span.versionStart !== undefined) forms.push(cut(span.versionStart, span.end));
  return forms;
}
