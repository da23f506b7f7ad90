// --sources DIR: clones of the images' source repositories (each entry's GitRepo). For an
// entry that names no release, its Dockerfile at GitCommit/Directory says what it is built FROM
// (erlang:27 → `FROM buildpack-deps:trixie`). One `git cat-file --batch` per clone.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import type { ManifestEntry } from "./manifest.js";

/** The clone of a GitRepo URL under `dir`: owner/name, name, or owner+name (with or without .git). */
export function cloneOf(dir: string, gitRepo: string): string | null {
  const m = /([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(gitRepo);
  if (!m) return null;
  const [, owner, name] = m as unknown as [string, string, string];
  const candidates = [
    join(dir, owner, name),
    join(dir, name),
    join(dir, `${owner}+${name}`, "repo"),
    join(dir, `${owner}+${name}`),
  ].flatMap((p) => [p, `${p}.git`]);
  return candidates.find((p) => existsSync(p)) ?? null;
}

/**
 * Reads the base images of entries from the clones under `dir`; `used` collects each clone read
 * (its path under `dir` → its HEAD commit), for the header of the generated data.
 */
export function baseImagesFrom(dir: string, used: Map<string, string>) {
  return (entries: ManifestEntry[]): Map<ManifestEntry, string> => {
    const byClone = new Map<string, ManifestEntry[]>();
    for (const e of entries) {
      if (!e.gitCommit) continue;
      const clone = cloneOf(dir, e.gitRepo);
      if (!clone) continue;
      let list = byClone.get(clone);
      if (!list) byClone.set(clone, (list = []));
      list.push(e);
    }
    const bases = new Map<ManifestEntry, string>();
    for (const [clone, list] of byClone) {
      const paths = list.map((e) => {
        const d = e.directory.replace(/^\.?\/*|\/+$/g, "");
        return `${e.gitCommit}:${d ? `${d}/` : ""}${e.file}`;
      });
      const texts = catFiles(clone, paths);
      if (texts.some((t) => t !== null)) {
        const head = spawnSync("git", ["-C", clone, "rev-parse", "HEAD"], { encoding: "utf8" });
        used.set(relative(dir, clone), head.stdout.trim());
      }
      list.forEach((e, i) => {
        const from = finalBase(texts[i] ?? "");
        if (from) bases.set(e, from);
      });
    }
    return bases;
  };
}

/** `<rev>:<path>` contents through one `git cat-file --batch`; null for what the clone lacks. */
function catFiles(clone: string, paths: string[]): (string | null)[] {
  const r = spawnSync("git", ["-C", clone, "cat-file", "--batch"], {
    input: paths.join("\n") + "\n",
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) return paths.map(() => null);
  const out = r.stdout;
  const texts: (string | null)[] = [];
  let pos = 0;
  for (let i = 0; i < paths.length && pos < out.length; i++) {
    const eol = out.indexOf(10, pos);
    const header = out.toString("utf8", pos, eol).split(" ");
    pos = eol + 1;
    if (header.at(-1) === "missing" || header[1] !== "blob") {
      texts.push(null);
      continue;
    }
    const size = Number(header[2]);
    texts.push(out.toString("utf8", pos, pos + size));
    pos += size + 1;
  }
  return texts;
}

/**
 * The image the final stage is built FROM, through stage names and the ARG defaults declared
 * before the first FROM; null when it cannot be told (a variable without a default).
 */
export function finalBase(dockerfile: string): string | null {
  const args = new Map<string, string>();
  const stages = new Map<string, string>();
  let last: string | null = null;
  for (const line of dockerfile.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
    const arg = /^\s*ARG\s+(\w+)=["']?([^"'\s]+)/i.exec(line);
    if (arg && last === null) args.set(arg[1]!, arg[2]!);
    const from = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!from) continue;
    let image = from[1]!.replace(/\$\{?(\w+)\}?/g, (m, name: string) => args.get(name) ?? m);
    image = stages.get(image.toLowerCase()) ?? image;
    if (from[2]) stages.set(from[2].toLowerCase(), image);
    last = image;
  }
  return last && !last.includes("$") && last !== "scratch" ? last : null;
}
