// Bulk conversion: walk, convert with bounded concurrency, collect a summary. One bad file never
// stops the run: its error is recorded and the others go on.
import os from "node:os";
import pLimit from "p-limit";
import { convert as realConvert } from "../index.js";
import { convertBounded } from "../io/bounded.js";
import { DEFAULT_MAX_SIZE, InputError, readDockerfile, SKIP_CODES } from "../io/read.js";
import { writeAtomic } from "../io/write.js";
import type { ConvertOptions, ConvertResult, DecisionKind, Reason } from "../types.js";
import { walkDockerfiles, type WalkOptions } from "./walk.js";

export interface FileOutcome {
  path: string;
  decision: DecisionKind | "error";
  reasons: Reason[];
  ecosystem: string | null;
  /** True when the converted text was written back to the file. */
  written: boolean;
  error?: string;
  /** The full result, for callers that print patches or explanations (null on error). */
  result: ConvertResult | null;
  /** The thrown error, when there was one. */
  cause?: unknown;
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
  /** Files larger than this are errors, not conversions (default: the CLI's limit). */
  maxSize?: number;
  convertOptions?: ConvertOptions;
  /** Milliseconds a file may take (0: in-process, unbounded); a worker enforces the bound. */
  timeoutFor?: (text: string) => number;
  /** Injected for tests; defaults to the library's convert. */
  convert?: (text: string, options: ConvertOptions) => ConvertResult;
}

export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** Converts one file; never throws: an unreadable or failing file becomes an error outcome. */
export async function convertFile(
  file: string,
  options: BulkOptions = {},
): Promise<{ outcome: FileOutcome; result: ConvertResult | null }> {
  const conv = options.convert ?? realConvert;
  try {
    // The CLI's reader: size limit, UTF-8 only (BOM kept), hash to refuse overwriting a changed file.
    const read = await readDockerfile(file, options.maxSize ?? DEFAULT_MAX_SIZE);
    const ms = options.convert ? 0 : (options.timeoutFor?.(read.text) ?? 0);
    const convertOptions = { ...options.convertOptions, path: file };
    const result =
      ms > 0
        ? await convertBounded(file, read.text, convertOptions, ms)
        : conv(read.text, convertOptions);
    let written = false;
    if (options.write && result.decision === "converted" && result.output !== read.text) {
      await writeAtomic(read, result.output);
      written = true;
    }
    const outcome: FileOutcome = {
      path: file,
      decision: result.decision,
      reasons: result.reasons,
      ecosystem: result.ecosystem,
      written,
      result,
    };
    return { outcome, result };
  } catch (e) {
    return { outcome: errorOutcome(file, e), result: null };
  }
}

function errorOutcome(file: string, e: unknown): FileOutcome {
  // InputError messages start with the path; the outcome carries the path already.
  const raw = e instanceof Error ? e.message : String(e);
  const message =
    e instanceof InputError && raw.startsWith(`${file}: `) ? raw.slice(file.length + 2) : raw;
  const code = e instanceof InputError ? e.code : "internal";
  return {
    path: file,
    // Too large or too slow: left alone on purpose, a skip with its reason.
    decision: SKIP_CODES.has(code) ? "skipped" : "error",
    reasons: [{ code, message }],
    ecosystem: null,
    written: false,
    error: message,
    result: null,
    cause: e,
  };
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
  const walked = await walkDockerfiles(paths, options);
  const files = walked.files;
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
  // Paths that could not be walked (missing, unreadable) come first, as errors.
  outcomes.unshift(...walked.errors.map((w) => errorOutcome(w.path, w.error)));
  const summary = summarize(outcomes, Date.now() - started);
  onEvent({ type: "done", summary });
  return summary;
}
