// The Debian mirror this machine's apt uses, read from its sources (so the repository names no
// host): deb822 files /etc/apt/sources.list.d/*.sources (`URIs:` of stanzas with `Types: deb`)
// and one-line files /etc/apt/sources.list and sources.list.d/*.list (`deb [options] URI suite …`).
// Only archives that serve a plain release suite (bookworm, not bookworm-security or
// bookworm-updates) count: the security archive has no dists/bookworm.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface SourceFile {
  path: string;
  text: string;
}

const isReleaseSuite = (suite: string) => /^[a-z]+$/.test(suite);
const isHttp = (uri: string) => /^https?:\/\//.test(uri);

function fromDeb822(text: string): string[] {
  const uris: string[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let current = "";
    for (const line of stanza.split("\n")) {
      if (line.startsWith("#")) continue;
      if (/^\s/.test(line) && current) fields.set(current, fields.get(current) + " " + line.trim());
      else {
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
        if (m) fields.set((current = m[1]!.toLowerCase()), m[2]!.trim());
      }
    }
    const words = (key: string) => (fields.get(key) ?? "").split(/\s+/).filter(Boolean);
    if (fields.get("enabled")?.toLowerCase() === "no") continue;
    if (!words("types").includes("deb") || !words("suites").some(isReleaseSuite)) continue;
    uris.push(...words("uris"));
  }
  return uris;
}

function fromOneLine(text: string): string[] {
  const uris: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw
      .replace(/#.*/, "")
      .replace(/\[[^\]]*\]/, " ")
      .trim();
    const [type, uri, suite] = line.split(/\s+/);
    if (type === "deb" && uri && suite && isReleaseSuite(suite)) uris.push(uri);
  }
  return uris;
}

/** The http(s) archive URIs of the given apt source files, in order, each once, without a final /. */
export function mirrorsFromSources(files: SourceFile[]): string[] {
  const uris = files.flatMap((f) =>
    f.path.endsWith(".sources") ? fromDeb822(f.text) : fromOneLine(f.text),
  );
  return [...new Set(uris.filter(isHttp).map((u) => u.replace(/\/+$/, "")))];
}

/** This machine's apt source files (what apt itself reads). */
export function readAptSources(etcApt = "/etc/apt"): SourceFile[] {
  const files: string[] = [];
  if (existsSync(join(etcApt, "sources.list"))) files.push(join(etcApt, "sources.list"));
  const dir = join(etcApt, "sources.list.d");
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith(".sources") || f.endsWith(".list")) files.push(join(dir, f));
    }
  }
  return files.map((path) => ({ path, text: readFileSync(path, "utf8") }));
}
