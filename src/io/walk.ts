// Finding Dockerfiles: files given by name, and directories searched for the usual names.
import { promises as fs } from "node:fs";
import { glob } from "tinyglobby";
import { describeFsError, InputError } from "./read.js";

export const DOCKERFILE_PATTERNS = [
  "**/Dockerfile",
  "**/Dockerfile.*",
  "**/*.Dockerfile",
  "**/*.dockerfile",
  "**/Containerfile",
];
const SKIP = ["**/.git/**", "**/node_modules/**", "**/.msb-tmp-*"];

export interface WalkResult {
  files: string[];
  errors: InputError[];
}

/** Expand paths into Dockerfiles: files stay as given, directories are searched (no symlinks followed). */
export async function findDockerfiles(
  paths: string[],
  exclude: string[] = [],
): Promise<WalkResult> {
  const files: string[] = [];
  const errors: InputError[] = [];
  for (const p of paths) {
    let stat;
    try {
      stat = await fs.stat(p);
    } catch (error) {
      errors.push(new InputError(p, describeFsError(error), "missing"));
      continue;
    }
    if (!stat.isDirectory()) {
      files.push(p);
      continue;
    }
    try {
      const found = await glob(DOCKERFILE_PATTERNS, {
        cwd: p,
        ignore: [...SKIP, ...exclude],
        followSymbolicLinks: false,
        dot: true,
        onlyFiles: true,
      });
      files.push(...found.sort().map((f) => (p.endsWith("/") ? p + f : `${p}/${f}`)));
    } catch (error) {
      errors.push(new InputError(p, describeFsError(error), "unreadable"));
    }
  }
  return { files: [...new Set(files)], errors };
}
