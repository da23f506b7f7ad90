// The real-world corpus (read-only, outside the repo): ../shared/corpus relative to the repo root.
import { existsSync, readFileSync } from "node:fs";
import { globSync } from "tinyglobby";
import { corpusDir } from "../helpers.js";

export const corpusPresent = existsSync(corpusDir);

export interface CorpusFile {
  name: string;
  bytes: Buffer;
}

export function corpusFiles(): CorpusFile[] {
  if (!corpusPresent) return [];
  return globSync(["**/*.Dockerfile"], { cwd: corpusDir })
    .sort()
    .map((name) => ({ name, bytes: readFileSync(corpusDir + name) }));
}
