// Bulk conversion: walk, convert with bounded concurrency, collect a summary. One bad file never
// stops the run: its error is recorded and the others go on.
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import pLimit from "p-limit";
import { convert as realConvert } from "../index.js";
import type { ConvertOptions, ConvertResult, DecisionKind, Reason } from "../types.js";
import { findDockerfiles, type WalkOptions } from "./walk.js";

export interface FileOutcome {
  path: string;
  decision: DecisionKind | "error";
  reasons: Reason[];
  ecosystem: string | null;
  /** True when the converted text was written back to the file. */
  written: boolean;
  error?: string;
}

export interface BulkSummary {
  files: number;
  converted: number;
  unchanged: number;
  skipped: number;
  errors: number;
  /** Reason codes of files left alone (unchanged or skipped), with counts. */
  byReason: Record<string, number>;
  outcomes: FileOutcome[];
  durationMs: number;
}

export type BulkEvent =
  | { type: "start"; total: number }
  | {
      type: "file";
      done: number;
      total: number;
      outcome: FileOutcome;
      result: ConvertResult | null;
    }
  | { type: "done"; summary: BulkSummary };

export interface BulkOptions extends WalkOptions {
  /** Files converted at once; default: the number of cores. */
  jobs?: number;
  /** Write converted files in place (default false: report only). */
  write?: boolean;
  convertOptions?: ConvertOptions;
  /** Injected for tests; defaults to the library's convert. */
  convert?: (text: string, options: ConvertOptions) => ConvertResult;
}

export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** Reads a file as UTF-8 text, or null when the bytes would not survive a round trip. */
export async function readText(file: string): Promise<string | null> {
  const buf = await readFile(file);
  const text = buf.toString("utf8");
  return Buffer.from(text, "utf8").equals(buf) ? text : null;
}

/** Converts one file; never throws. */
export async function convertFile(
  file: string,
  options: BulkOptions = {},
): Promise<{ outcome: FileOutcome; result: ConvertResult | null }> {
  const conv = options.convert ?? realConvert;
  try {
    const text = await readText(file);
    if (text === null) {
      const reasons = [{ code: "encoding", message: "not valid UTF-8; left alone" }];
      return {
        outcome: { path: file, decision: "skipped", reasons, ecosystem: null, written: false },
        result: null,
      };
    }
    const result = conv(text, { ...options.convertOptions, path: file });
    let written = false;
    if (options.write && result.decision === "converted" && result.output !== text) {
      await writeFile(file, result.output, "utf8");
      written = true;
    }
    const outcome: FileOutcome = {
      path: file,
      decision: result.decision,
      reasons: result.reasons,
      ecosystem: result.ecosystem,
      written,
    };
    return { outcome, result };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      outcome: {
        path: file,
        decision: "error",
        reasons: [],
        ecosystem: null,
        written: false,
        error: message,
      },
      result: null,
    };
  }
}

export function summarize(outcomes: FileOutcome[], durationMs = 0): BulkSummary {
  const s: BulkSummary = {
    files: outcomes.length,
    converted: 0,
    unchanged: 0,
    skipped: 0,
    errors: 0,
    byReason: {},
    outcomes,
    durationMs,
  };
  for (const o of outcomes) {
    if (o.decision === "error") s.errors++;
    else s[o.decision]++;
    if (o.decision === "unchanged" || o.decision === "skipped") {
      // Count each code once per file: a file with two "contract" reasons is one file.
      for (const code of new Set(o.reasons.map((r) => r.code))) {
        s.byReason[code] = (s.byReason[code] ?? 0) + 1;
      }
    }
  }
  return s;
}

/** Walks `paths`, converts every Dockerfile found and returns the summary. */
export async function runBulk(
  paths: string[],
  options: BulkOptions = {},
  onEvent: (e: BulkEvent) => void = () => {},
): Promise<BulkSummary> {
  const started = Date.now();
  const files = await findDockerfiles(paths, options);
  onEvent({ type: "start", total: files.length });
  const limit = pLimit(Math.max(1, options.jobs ?? defaultJobs()));
  const outcomes: FileOutcome[] = new Array(files.length);
  let done = 0;
  await Promise.all(
    files.map((file, i) =>
      limit(async () => {
        const { outcome, result } = await convertFile(file, options);
        outcomes[i] = outcome;
        done++;
        onEvent({ type: "file", done, total: files.length, outcome, result });
      }),
    ),
  );
  const summary = summarize(outcomes, Date.now() - started);
  onEvent({ type: "done", summary });
  return summary;
}
