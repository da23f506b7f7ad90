// Parse one version of a docker-library/official-images `library/<repo>` file into its entries.
// Two formats have existed: the RFC 2822-like one (2015 on: paragraphs of `Tags:`, `SharedTags:`,
// `Directory:`…, the first paragraph a global header whose fields every entry inherits) and the
// line format before it (`<tag>: git://github.com/…@<sha> <dir>`, or in 2013
// `<tag>\tgit://github.com/… C:<sha>`), one line per tag.

export interface ManifestEntry {
  /** Tags, then SharedTags, in file order. */
  tags: string[];
  /** The SharedTags among `tags`. */
  shared: Set<string>;
  directory: string;
  /** The Dockerfile's name in `directory` (`File:`, default Dockerfile). */
  file: string;
  constraints: string[];
  architectures: string[];
  gitRepo: string;
  gitCommit: string;
  /** A Windows image (windows-* architectures, or Windows constraints): Linux hosts never pull it. */
  windows: boolean;
}

// Fields an entry inherits from the global header when it does not set them itself.
const INHERITED = [
  "GitRepo",
  "GitFetch",
  "GitCommit",
  "Directory",
  "File",
  "Architectures",
  "Constraints",
];

export function parseManifest(text: string): ManifestEntry[] {
  return /^(Shared)?Tags:/m.test(text) ? parseRfc2822(text) : parseLines(text);
}

function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function isWindows(architectures: string[], constraints: string[], directory: string): boolean {
  return (
    architectures.some((a) => a.startsWith("windows-")) ||
    constraints.some((c) => /^(windowsservercore|nanoserver)/.test(c)) ||
    /(^|\/)(windowsservercore|nanoserver)/.test(directory)
  );
}

function parseRfc2822(text: string): ManifestEntry[] {
  const paragraphs: Map<string, string>[] = [];
  let current: Map<string, string> | null = null;
  let lastKey = "";
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") {
      current = null;
      continue;
    }
    if (line.startsWith("#")) continue;
    if (/^\s/.test(line)) {
      // Continuation of the previous field.
      if (current && lastKey) current.set(lastKey, `${current.get(lastKey) ?? ""} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    if (!current) {
      current = new Map();
      paragraphs.push(current);
    }
    lastKey = m[1]!;
    current.set(lastKey, m[2]!.trim());
  }
  const isEntry = (p: Map<string, string>) => p.has("Tags") || p.has("SharedTags");
  const header = paragraphs[0] && !isEntry(paragraphs[0]) ? paragraphs[0] : new Map();
  const entries: ManifestEntry[] = [];
  for (const p of paragraphs) {
    if (!isEntry(p)) continue;
    const field = (k: string) =>
      p.has(k) ? p.get(k) : INHERITED.includes(k) ? header.get(k) : undefined;
    const own = splitList(p.get("Tags"));
    const shared = splitList(p.get("SharedTags"));
    const architectures = splitList(field("Architectures"));
    const constraints = splitList(field("Constraints"));
    const directory = field("Directory") ?? "";
    entries.push({
      tags: [...own, ...shared.filter((t) => !own.includes(t))],
      shared: new Set(shared),
      directory,
      file: field("File") ?? "Dockerfile",
      constraints,
      architectures,
      gitRepo: field("GitRepo") ?? "",
      gitCommit: field("GitCommit") ?? "",
      windows: isWindows(architectures, constraints, directory),
    });
  }
  return entries;
}

// `tag: url@sha dir` (2014–2015) or `tag<TAB>url[ B:branch| C:sha]` (2013). Lines that share
// repository, commit and directory are one image: one entry with all their tags.
function parseLines(text: string): ManifestEntry[] {
  const byImage = new Map<string, ManifestEntry>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+?):?\s+((?:git|https?|ssh):\/\/\S+|git@\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, tag, url, rest] = m as unknown as [string, string, string, string];
    let [gitRepo, gitCommit = ""] = url.split("@") as [string, string?];
    if (url.startsWith("git@")) [gitRepo, gitCommit = ""] = [url, ""];
    let directory = "";
    for (const word of rest.split(/\s+/).filter(Boolean)) {
      if (/^[BC]:/.test(word)) gitCommit ||= word.slice(2);
      else directory ||= word;
    }
    const key = `${gitRepo}@${gitCommit} ${directory}`;
    let entry = byImage.get(key);
    if (!entry) {
      entry = {
        tags: [],
        shared: new Set(),
        directory,
        file: "Dockerfile",
        constraints: [],
        architectures: [],
        gitRepo,
        gitCommit,
        windows: false,
      };
      byImage.set(key, entry);
    }
    if (!entry.tags.includes(tag)) entry.tags.push(tag);
  }
  return [...byImage.values()];
}
