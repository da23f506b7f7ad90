// Finds Dockerfiles under directories, honouring .gitignore files and --exclude globs.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import ignore, { type Ignore } from "ignore";
import picomatch from "picomatch";
import { describeFsError, InputError } from "../io/read.js";
import { isTempFileName, TEMP_PREFIX } from "../io/write.js";

/** Directories never entered: VCS data and installed dependencies. */
const SKIP_DIRS = new Set([".git", "node_modules"]);

/** Dockerfile, Dockerfile.*, *.Dockerfile, *.dockerfile, Containerfile (as the CLI's walker). */
export function isDockerfileName(name: string): boolean {
  // .msb-tmp-* are the atomic writer's temporary files.
  if (name.startsWith(TEMP_PREFIX)) return false;
  return (
    name === "Dockerfile" ||
    name.startsWith("Dockerfile.") ||
    name === "Containerfile" ||
    /.\.[Dd]ockerfile$/.test(name)
  );
}

export interface WalkOptions {
  /** Globs matched against the path relative to the walked root (and the bare file name). */
  exclude?: string[];
  /** Read .gitignore files (and .git/info/exclude) on the way down; default true. */
  gitignore?: boolean;
}

interface Rules {
  base: string;
  ig: Ignore;
}

async function loadIgnore(file: string): Promise<Ignore | null> {
  try {
    return ignore().add(await readFile(file, "utf8"));
  } catch {
    return null;
  }
}

function ignoredBy(rules: Rules[], abs: string, isDir: boolean): boolean {
  // Later (deeper) files override earlier ones, as git does for negations.
  let ignored = false;
  for (const r of rules) {
    const rel = path.relative(r.base, abs).split(path.sep).join("/");
    if (!rel || rel.startsWith("..")) continue;
    const res = r.ig.test(isDir ? `${rel}/` : rel);
    if (res.ignored) ignored = true;
    else if (res.unignored) ignored = false;
  }
  return ignored;
}

export interface WalkError {
  path: string;
  error: unknown;
}

export interface WalkResult {
  files: string[];
  errors: WalkError[];
  /** Temporary files of an earlier run that was stopped at once (`.msb-tmp-<name>-<hex>`). */
  staleTemp: string[];
}

/**
 * Lists Dockerfiles under each path, each directory's files sorted, in the order of `paths`. A
 * path naming a file is taken as is (the user asked for it), whatever its name. Symbolic links
 * are not followed. Paths that cannot be read are returned as errors, never thrown.
 */
export async function walkDockerfiles(
  paths: string[],
  options: WalkOptions = {},
): Promise<WalkResult> {
  const useGitignore = options.gitignore ?? true;
  const excludes = (options.exclude ?? []).map((g) => picomatch(g, { dot: true }));
  const isExcluded = (rel: string) => excludes.some((m) => m(rel) || m(path.posix.basename(rel)));
  const files: string[] = [];
  const errors: WalkError[] = [];
  const staleTemp: string[] = [];

  async function walk(root: string, dir: string, rules: Rules[]): Promise<void> {
    let here = rules;
    if (useGitignore) {
      const gi = await loadIgnore(path.join(dir, ".gitignore"));
      if (gi) here = [...rules, { base: dir, ig: gi }];
    }
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      errors.push({ path: dir, error });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      const rel = path.relative(root, abs).split(path.sep).join("/");
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name)) continue;
        if (isExcluded(rel) || isExcluded(`${rel}/`)) continue;
        if (useGitignore && ignoredBy(here, abs, true)) continue;
        await walk(root, abs, here);
      } else if (e.isFile() && isDockerfileName(e.name)) {
        if (isExcluded(rel)) continue;
        if (useGitignore && ignoredBy(here, abs, false)) continue;
        files.push(abs);
      } else if (e.isFile() && isTempFileName(e.name)) {
        staleTemp.push(abs);
      }
    }
  }

  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch (error) {
      errors.push({ path: p, error: new InputError(p, describeFsError(error), "missing") });
      continue;
    }
    if (!st.isDirectory()) {
      files.push(p);
      continue;
    }
    const rules: Rules[] = [];
    if (useGitignore) {
      const info = await loadIgnore(path.join(p, ".git", "info", "exclude"));
      if (info) rules.push({ base: p, ig: info });
    }
    await walk(p, p, rules);
  }
  return { files: [...new Set(files)], errors, staleTemp };
}

/** Like walkDockerfiles, for callers that treat a bad path as fatal (PR mode's own clones). */
export async function findDockerfiles(
  paths: string[],
  options: WalkOptions = {},
): Promise<string[]> {
  const { files, errors } = await walkDockerfiles(paths, options);
  if (errors.length) throw errors[0]!.error;
  return files;
}
