// The knowledge that is data (data/*.yaml): validated YAML in development, pre-validated JSON
// (dist/src/data.json, written by `npm run build`) in a build, so start-up needs no YAML or zod.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DataFiles, FamilyData } from "./data-schema.js";

export type {
  CommandRule,
  FamilyData,
  ManifestEcosystem,
  StaticServer,
  WebServer,
} from "./data-schema.js";

// data/ sits beside src/ in the repository and two levels up from dist/src/ in a build.
const dataDir = [new URL("../data/", import.meta.url), new URL("../../data/", import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((d) => existsSync(d + "images.yaml"))!;
const compiled = fileURLToPath(new URL("./data.json", import.meta.url));

async function loadData(): Promise<DataFiles> {
  if (existsSync(compiled)) return JSON.parse(readFileSync(compiled, "utf8")) as DataFiles;
  const { loadDataFromYaml } = await import("./data-schema.js");
  return loadDataFromYaml(dataDir);
}

const data = await loadData();
export const images = data.images;
export const packages = data.packages;
export const commands = data.commands;
export const manifests = data.manifests;

const familyRegexes = images.families.map((f) => ({ family: f, re: new RegExp(f.match) }));

/** Strip docker.io/ and library/ so `docker.io/library/golang` and `golang` are one family. */
export function normaliseRepo(name: string): string {
  return name.replace(/^(docker\.io\/|index\.docker\.io\/)/, "").replace(/^library\//, "");
}

export function familyOf(name: string): FamilyData | null {
  const repo = normaliseRepo(name);
  return familyRegexes.find((f) => f.re.test(repo))?.family ?? null;
}

const slashPatterns = new Map<string, RegExp | null>();
/** A data-file entry written in slashes (`/^php[0-9.]*-dev$/`) is a pattern: compiled once. */
export function dataPattern(entry: string): RegExp | null {
  let re = slashPatterns.get(entry);
  if (re === undefined) {
    re = /^\/.+\/$/.test(entry) ? new RegExp(entry.slice(1, -1)) : null;
    slashPatterns.set(entry, re);
  }
  return re;
}

/** Does a name match a data-file entry: the same name, or the pattern the entry writes? */
export function matchesEntry(entry: string, name: string): boolean {
  return dataPattern(entry)?.test(name) ?? entry === name;
}

/** Does a command (program + words) match a matcher of the data files? */
export function matchesCommand(
  m: { program: string | string[]; sub?: string[] | undefined },
  program: string,
  words: string[],
): boolean {
  // Called for every rule against every command: no regex, no array per call.
  const base = program.endsWith("/") ? program : program.slice(program.lastIndexOf("/") + 1);
  const p = m.program;
  const named =
    typeof p === "string" ? p === program || p === base : p.includes(program) || p.includes(base);
  if (!named) return false;
  if (!m.sub) return true;
  const positional = words.filter((w) => !w.startsWith("-"));
  return m.sub.every((s, i) => {
    const w = positional[i];
    if (w === undefined) return false;
    if (s === "*") return true;
    if (s.endsWith("*")) return w.startsWith(s.slice(0, -1));
    return w === s;
  });
}

type Matcher = { program: string | string[]; sub?: string[] | undefined };
/** Per matcher list: the indices of the matchers naming each program, in list order. */
const programIndex = new WeakMap<readonly Matcher[], Map<string, number[]>>();

/**
 * The first matcher of a list (in list order) that matches the command and passes `also`: the same
 * as `list.find((m) => also(m) && matchesCommand(m, program, words))`, but only the matchers that
 * name the program (or its base name) are tried.
 */
export function findMatcher<M extends Matcher>(
  list: readonly M[],
  program: string,
  words: string[],
  also: (m: M) => boolean = () => true,
): M | undefined {
  let index = programIndex.get(list);
  if (!index) {
    index = new Map();
    list.forEach((m, i) => {
      for (const p of typeof m.program === "string" ? [m.program] : m.program) {
        const at = index!.get(p);
        if (!at) index!.set(p, [i]);
        else if (at[at.length - 1] !== i) at.push(i);
      }
    });
    programIndex.set(list, index);
  }
  const base = program.endsWith("/") ? program : program.slice(program.lastIndexOf("/") + 1);
  const a = index.get(program) ?? [];
  const b = base === program ? [] : (index.get(base) ?? []);
  // Merge the two ascending index lists so the first match in list order wins (a matcher under
  // both names is tried twice, with the same answer).
  for (let i = 0, j = 0; i < a.length || j < b.length;) {
    const k = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    const m = list[k]!;
    if (also(m) && matchesCommand(m, program, words)) return m;
  }
  return undefined;
}
