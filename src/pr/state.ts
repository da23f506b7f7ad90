// The state file: one JSON record per repository, rewritten after each repository so an
// interrupted run still leaves an accurate file to rerun from (--only-failed).
import { rmSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { onHardExit } from "../io/cancel.js";
import { redact } from "./redact.js";

export type RepoStatus = "converted" | "unchanged" | "skipped" | "failed";

export interface FileRecord {
  path: string;
  decision: string;
  reasons: string[];
}

export interface RepoRecord {
  repo: string;
  source: string;
  slug?: string;
  status: RepoStatus;
  /** What happened, e.g. "pushed, PR created", "dry run: would push and open a PR". */
  action: string;
  /** Why it was skipped or unchanged. */
  reason?: string;
  branch?: string;
  base?: string;
  commit?: string;
  prUrl?: string;
  error?: string;
  files: FileRecord[];
  diffStat?: string;
  title?: string;
  /** The PR body, kept in dry runs so it can be reviewed before anything is opened. */
  body?: string;
  /** The run was cancelled (SIGINT, SIGTERM) before this repository was done; status "failed". */
  cancelled?: boolean;
  updatedAt: string;
}

export interface StateFile {
  version: 1;
  updatedAt: string;
  /** "K/N" when the run was one shard of an organisation-wide run (`pr --shard`). */
  shard?: string;
  /** The files `pr --merge` made this one from. */
  mergedFrom?: string[];
  repos: Record<string, RepoRecord>;
}

export async function readState(file: string): Promise<StateFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(`cannot read state file ${file}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`state file ${file} is not JSON`);
  }
  const s = data as Partial<StateFile>;
  if (s?.version !== 1 || typeof s.repos !== "object" || !s.repos) {
    throw new Error(`state file ${file} is not an msb-migrate state file`);
  }
  return s as StateFile;
}

/** Writes a state file whole, then renames it into place: a crash never leaves half a file. */
export async function writeState(file: string, state: StateFile): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp`;
  const forget = onHardExit(() => rmSync(tmp, { force: true }));
  try {
    await writeFile(tmp, redact(JSON.stringify(state, null, 2)) + "\n", "utf8");
    await rename(tmp, file);
  } finally {
    forget();
  }
}

/** Serialises writes so records from parallel jobs never interleave. */
export class StateWriter {
  private chain: Promise<void> = Promise.resolve();
  readonly state: StateFile;

  constructor(
    readonly file: string | null,
    initial?: StateFile,
  ) {
    this.state = initial ?? { version: 1, updatedAt: new Date().toISOString(), repos: {} };
  }

  record(rec: RepoRecord): Promise<void> {
    this.state.repos[rec.source] = rec;
    this.state.updatedAt = rec.updatedAt;
    const file = this.file;
    if (!file) return this.chain;
    this.chain = this.chain.then(() => writeState(file, this.state));
    return this.chain;
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
