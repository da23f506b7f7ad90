// Build contexts for corpus files, from clones of their repositories: the corpus holds Dockerfiles
// only, so the cache order (manifests before the sources) can only be judged with the context the
// file was built with. For each INDEX.tsv row (repo, path, commit) whose repository is cloned under
// --mirrors (DIR/<owner>+<name>/repo or DIR/<owner>/<name>, a git directory), the files of the
// Dockerfile's folder at that commit, its .dockerignore and the manifest texts convert() reads are
// written as <out>/<split>/<file>.context.json (a BuildContextInput). `npm run eval -- --contexts
// <out>` then converts with them.
//
//   tsx scripts/corpus-contexts.ts --mirrors /work/.mirror --out corpus-contexts [corpus dirs…]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, posix, resolve } from "node:path";
import { manifests } from "../src/data.js";
import type { BuildContextInput } from "../src/types.js";
import { corpusRoot, readTsv } from "./eval.js";

function gitDir(mirrors: string, repo: string): string | null {
  const [owner, name] = repo.split("/");
  for (const d of [join(mirrors, `${owner}+${name}`, "repo"), join(mirrors, owner!, name!)])
    if (existsSync(d)) return d;
  return null;
}

function git(dir: string, args: string[]): string | null {
  try {
    return execFileSync("git", ["--git-dir", dir, ...args], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return null;
  }
}

/** The context of `path` (its folder) in `repo` at `commit`; null when the commit is not there. */
export function contextAt(dir: string, path: string, commit: string): BuildContextInput | null {
  if (git(dir, ["cat-file", "-e", `${commit}^{commit}`]) === null) return null;
  const folder = posix.dirname(path);
  const prefix = folder === "." ? "" : folder + "/";
  const listing = git(dir, ["ls-tree", "-r", "-z", "-l", commit, "--", prefix || "."]);
  if (listing === null) return null;
  const files: string[] = [];
  const contents: Record<string, string> = {};
  const names = new Set(manifests.read.names);
  for (const entry of listing.split("\0")) {
    // <mode> <type> <object> <size>\t<path>
    const m = /^\d+ blob (\S+)\s+(\d+|-)\t(.*)$/s.exec(entry);
    if (!m) continue;
    const rel = m[3]!.slice(prefix.length);
    files.push(rel);
    const base = posix.basename(rel);
    const depth = rel.split("/").length - 1;
    const wanted = names.has(base) || manifests.read.suffixes.some((s) => base.endsWith(s));
    if (wanted && depth < 4 && Number(m[2]) <= manifests.read.maxBytes) {
      const text = git(dir, ["cat-file", "blob", m[1]!]);
      if (text !== null) contents[rel] = text;
    }
  }
  let dockerignore: string | undefined;
  for (const f of [`${path}.dockerignore`, `${prefix}.dockerignore`]) {
    const t = git(dir, ["show", `${commit}:${f}`]);
    if (t !== null) {
      dockerignore = t;
      break;
    }
  }
  return { files, ...(dockerignore !== undefined ? { dockerignore } : {}), contents };
}

function main(args: string[]): number {
  const opt = (name: string) => {
    const i = args.indexOf(name);
    if (i === -1) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const mirrors = opt("--mirrors");
  const out = resolve(opt("--out") ?? "corpus-contexts");
  if (!mirrors) {
    process.stderr.write("corpus-contexts: --mirrors DIR is required\n");
    return 2;
  }
  const root = corpusRoot();
  const dirs = args.length ? args.map((a) => resolve(a)) : root ? [join(root, "open")] : [];
  let written = 0;
  let missing = 0;
  for (const d of dirs) {
    for (const row of readTsv(join(d, "INDEX.tsv"))) {
      const repo = row["repo"];
      const path = row["path"];
      const commit = row["commit"];
      if (!repo || !path || !commit || commit.startsWith("blob:")) continue;
      const g = gitDir(mirrors, repo);
      if (!g) {
        missing++;
        continue;
      }
      const ctx = contextAt(g, path, commit);
      if (!ctx) {
        process.stderr.write(`corpus-contexts: ${repo}@${commit.slice(0, 12)} not in ${g}\n`);
        continue;
      }
      const file = join(out, basename(d), `${row["file"]}.context.json`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(ctx, null, 1) + "\n");
      written++;
    }
  }
  process.stdout.write(
    `corpus-contexts: wrote ${written} context(s) in ${out}; ${missing} row(s) without a clone\n`,
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname))
  process.exitCode = main(process.argv.slice(2));
