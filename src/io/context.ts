// The build context read from disk for convert()'s `context` option: the files a `COPY . .` would
// send (walked, .git skipped, folders .dockerignore excludes not entered), the .dockerignore that
// applies, and the text of the few files the cache-order checks read (data/manifests.yaml `read`)
// and of shell scripts (`read.scripts`: what entry and build scripts run, src/scripts.ts).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { BuildContext } from "../build-context.js";
import { manifests } from "../data.js";
import type { BuildContextInput } from "../types.js";

/** More files than this and the context is not listed (its order is kept, and said why). */
export const MAX_CONTEXT_FILES = 50_000;
/** How deep manifests are read for their text, and how many at most. */
const READ_DEPTH = 4;
const READ_MAX = 400;

/**
 * The context of a Dockerfile: `dir` (the Dockerfile's folder unless --context says otherwise).
 * BuildKit's rule for the ignore file: `<Dockerfile name>.dockerignore` beside the Dockerfile
 * first, else `.dockerignore` at the context's root.
 */
export function readBuildContext(
  dir: string,
  dockerfile?: string,
): BuildContextInput | { unknown: string } {
  let dockerignore: string | undefined;
  const own = dockerfile ? `${dockerfile}.dockerignore` : undefined;
  for (const f of [own, path.join(dir, ".dockerignore")]) {
    if (!f) continue;
    try {
      dockerignore = readFileSync(f, "utf8");
      break;
    } catch {
      // not there: try the next
    }
  }
  try {
    if (!statSync(dir).isDirectory()) return { unknown: `${dir} is not a folder` };
  } catch {
    return { unknown: `${dir} cannot be read` };
  }
  // Folders excluded by .dockerignore are not entered, unless an exception (`!`) could bring
  // something inside back: then everything is listed and the matcher decides per file.
  const exceptions = /^\s*!/m.test(dockerignore ?? "");
  const filter = dockerignore && !exceptions ? new BuildContext({ files: [], dockerignore }) : null;
  const files: string[] = [];
  const contents: Record<string, string> = {};
  const names = new Set(manifests.read.names);
  let read = 0;
  let scriptsRead = 0;
  const scripts = manifests.read.scripts;
  const stack: [string, number][] = [["", 0]];
  while (stack.length) {
    const [rel, depth] = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth === 0 && e.name === ".git") continue;
        if (filter?.ignores(p)) continue;
        stack.push([p, depth + 1]);
        continue;
      }
      if (!e.isFile() && !e.isSymbolicLink()) continue;
      files.push(p);
      if (files.length > MAX_CONTEXT_FILES)
        return { unknown: `${dir} holds more than ${MAX_CONTEXT_FILES} files` };
      // Shell scripts (src/scripts.ts) have a budget of their own.
      const script = scripts.suffixes.some((s) => e.name.endsWith(s));
      if (script && depth < READ_DEPTH && scriptsRead < scripts.max && !filter?.ignores(p)) {
        try {
          const full = path.join(dir, p);
          if (statSync(full).size <= scripts.maxBytes) {
            contents[p] = readFileSync(full, "utf8");
            scriptsRead++;
          }
        } catch {
          // unreadable: the script is said not to be read
        }
        continue;
      }
      const wanted = names.has(e.name) || manifests.read.suffixes.some((s) => e.name.endsWith(s));
      if (wanted && depth < READ_DEPTH && read < READ_MAX && !filter?.ignores(p)) {
        try {
          const full = path.join(dir, p);
          if (statSync(full).size <= manifests.read.maxBytes) {
            contents[p] = readFileSync(full, "utf8");
            read++;
          }
        } catch {
          // unreadable: the checks say they could not read it
        }
      }
    }
  }
  files.sort();
  return { files, ...(dockerignore !== undefined ? { dockerignore } : {}), contents };
}

/**
 * Where a Dockerfile's context comes from in the CLI, bulk and PR runs: `auto` (the Dockerfile's
 * folder), a folder given with --context, or none (false: the order is kept, and said why).
 */
export type ContextSetting = "auto" | { dir: string } | false;

let lastRead: { key: string; context: BuildContextInput | { unknown: string } } | undefined;

export function contextFor(
  file: string,
  setting: ContextSetting | undefined,
): BuildContextInput | { unknown: string } | undefined {
  if (!setting) return undefined;
  const dir = setting === "auto" ? path.dirname(file) : setting.dir;
  // A walk finds the Dockerfiles of one folder one after another: they share its context (the
  // same files, the same .dockerignore), read once. One with a .dockerignore of its own does not.
  const key = existsSync(`${file}.dockerignore`) ? `${dir}\0${file}` : dir;
  if (lastRead?.key !== key) lastRead = { key, context: readBuildContext(dir, file) };
  return lastRead.context;
}
