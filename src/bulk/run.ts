// Bulk conversion: walk, convert with bounded concurrency, hand each result on in input order.
// One bad file never stops the run: its error is recorded and the others go on.
//
// Memory stays flat in the number of files: each finished file goes to `onResult` (in input order)
// and is dropped; the summary keeps counters and the first few errors only. Only the list of paths
// found grows with the tree (100,000 paths are a few MB).
import os from "node:os";
import { convert as realConvert } from "../index.js";
import { boundFor, convertBounded, type TimeoutPolicy } from "../io/bounded.js";
import { contextFor, type ContextSetting } from "../io/context.js";
import { DEFAULT_MAX_SIZE, InputError, readDockerfile, SKIP_CODES } from "../io/read.js";
import { writeAtomic } from "../io/write.js";
import type { ConvertOptions, ConvertResult, DecisionKind, Reason } from "../types.js";
import { reviveError, toBulkResult, type BulkResult, type FileJob } from "./job.js";
import { ConvertPool, DEPTH, PoolUnavailable } from "./pool.js";
import { walkDockerfiles, type WalkOptions } from "./walk.js";

export type { BulkResult } from "./job.js";

/** What a run keeps about one file: small, no engine result, no text. */
export interface FileOutcome {
  path: string;
  decision: DecisionKind | "error";
  reasons: Reason[];
  ecosystem: string | null;
  /** The runtime image chosen, for converted files. */
  image?: string;
  /** True when the converted text was written back to the file. */
  written: boolean;
  error?: string;
}

/** Files that errored that the summary lists; `errors` counts them all. */
export const ERROR_LIST_LIMIT = 20;

export interface BulkSummary {
  files: number;
  converted: number;
  unchanged: number;
  skipped: number;
  errors: number;
  /** Reason codes of files left alone (unchanged or skipped), with counts. */
  byReason: Record<string, number>;
  /** The first ERROR_LIST_LIMIT files that errored, in input order. */
  firstErrors: FileOutcome[];
  durationMs: number;
}

/** One finished file, handed to `onResult` in input order, then dropped by runBulk. */
export interface FileDone {
  /** Position in input order: paths that could not be walked first, then the files found. */
  index: number;
  outcome: FileOutcome;
  /** The engine result (null on error): for the caller to print or serialise, never kept. */
  result: BulkResult | null;
  /** The thrown error, when there was one. */
  cause?: unknown;
}

export type BulkEvent =
  /** `workers`: threads converting, when a pool runs (absent: converting in this thread). */
  | { type: "start"; total: number; workers?: number }
  | { type: "file"; done: number; total: number; outcome: FileOutcome }
  | { type: "done"; summary: BulkSummary };

export interface BulkOptions extends WalkOptions {
  /** Files converted at once; default: the number of cores. */
  jobs?: number;
  /** Write converted files in place (default false: report only). */
  write?: boolean;
  /** Files larger than this are errors, not conversions (default: the CLI's limit). */
  maxSize?: number;
  convertOptions?: ConvertOptions;
  /**
   * The build context of each file, for ordering dependency steps before the sources: `auto` (the
   * file's folder), `{ dir }` (one folder for all), or none (default: the order is kept).
   */
  context?: ContextSetting;
  /** Time bound of a conversion (none by default); a worker thread enforces it. */
  timeout?: TimeoutPolicy;
  /** Injected for tests; defaults to the library's convert. Always converts in-process. */
  convert?: (text: string, options: ConvertOptions) => ConvertResult;
  /**
   * With jobs > 1 and at least this many files, files are read and converted in `jobs` worker
   * threads (default POOL_MIN_FILES); fewer files convert in this thread, sparing the workers'
   * start-up.
   */
  poolMinFiles?: number;
  /**
   * Each finished file, in input order, as soon as it and every file before it are done. May
   * return a promise (e.g. waiting for stdout to drain): no further file is handed on until it
   * settles, and conversion pauses once `window` files wait. If it throws, the run stops.
   */
  onResult?: (done: FileDone) => void | Promise<void>;
  /** Files finished or in flight ahead of the next one to hand on (default: max(32, 8 × jobs)). */
  window?: number;
}

/**
 * Files below which a worker pool cannot pay: a worker starts in ~0.15 s from the build (loading
 * the engine; 1.5 s under tsx) and a file converts in ~1.5 ms, so below a few hundred files the
 * start-up alone outweighs any gain. (Whether it gains at all depends on spare cores: on the
 * 2-core dev machine one conversion thread already keeps ~1.4 cores busy, V8 compiling in the
 * background, and --jobs 2 measured ~10% slower than --jobs 1 over 10,000 files.)
 */
export const POOL_MIN_FILES = 200;

export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * Conversion workers when --jobs is not given: one core fewer than the machine has. A single
 * conversion thread already keeps about 0.4 of another core busy with V8's optimising compiler
 * and garbage collector; on 2 cores, 2 workers ran 13% slower than 1 in-process (10,000 files).
 */
export function defaultConvertJobs(): number {
  return Math.max(1, defaultJobs() - 1);
}

/**
 * The files found, packed into one string and an offset table: what a run keeps for its whole
 * length. 100,000 paths are then one ~9 MB string instead of 100,000 strings (18 MB of heap,
 * which the heap's growth then doubles): peak RSS stays closer to flat in the number of files.
 */
export class PathList {
  private readonly text: string;
  private readonly ends: Uint32Array;
  readonly length: number;
  constructor(paths: readonly string[]) {
    this.length = paths.length;
    this.ends = new Uint32Array(paths.length);
    let end = 0;
    paths.forEach((p, i) => (this.ends[i] = end += p.length));
    this.text = paths.join("");
  }
  at(i: number): string {
    return this.text.slice(i > 0 ? this.ends[i - 1]! : 0, this.ends[i]!);
  }
}

/** Converts one file; never throws: an unreadable or failing file becomes an error outcome. */
export async function convertFile(file: string, options: BulkOptions = {}): Promise<Converted> {
  const conv = options.convert ?? realConvert;
  try {
    // The CLI's reader: size limit, UTF-8 only (BOM kept), hash to refuse overwriting a changed file.
    const read = await readDockerfile(file, options.maxSize ?? DEFAULT_MAX_SIZE, {
      forWrite: options.write === true,
    });
    const ms = options.convert ? 0 : boundFor(options.timeout, read.text);
    const context = contextFor(file, options.context);
    const convertOptions = {
      ...options.convertOptions,
      path: file,
      ...(context ? { context } : {}),
    };
    const result =
      ms > 0
        ? await convertBounded(file, read.text, convertOptions, ms)
        : conv(read.text, convertOptions);
    let written = false;
    if (options.write && result.decision === "converted" && result.output !== read.text) {
      await writeAtomic(read, result.output);
      written = true;
    }
    return converted(file, toBulkResult(result), written);
  } catch (e) {
    return { outcome: errorOutcome(file, e), result: null, cause: e };
  }
}

type Converted = { outcome: FileOutcome; result: BulkResult | null; cause?: unknown };

function converted(file: string, result: BulkResult, written: boolean): Converted {
  const outcome: FileOutcome = {
    path: file,
    decision: result.decision,
    reasons: result.reasons,
    ecosystem: result.ecosystem,
    ...(result.decision === "converted" && result.plan ? { image: result.plan.image } : {}),
    written,
  };
  return { outcome, result };
}

/** convertFile in a pool worker (read and convert there; the write here, with the read's metadata). */
async function convertFileInPool(
  pool: ConvertPool,
  file: string,
  options: BulkOptions,
): Promise<Converted> {
  const job: FileJob = {
    file,
    maxSize: options.maxSize ?? DEFAULT_MAX_SIZE,
    write: options.write === true,
    convertOptions: options.convertOptions ?? {},
    ...(options.context ? { context: options.context } : {}),
    ...(options.timeout ? { timeout: options.timeout } : {}),
  };
  let reply;
  try {
    reply = await pool.run(job);
  } catch (e) {
    if (e instanceof PoolUnavailable) return convertFile(file, options);
    throw e;
  }
  if (!reply.ok) {
    const e = reviveError(reply.error);
    return { outcome: errorOutcome(file, e), result: null, cause: e };
  }
  try {
    if (reply.write) await writeAtomic({ ...reply.write.read, text: "" }, reply.write.output);
  } catch (e) {
    return { outcome: errorOutcome(file, e), result: null, cause: e };
  }
  return converted(file, reply.result, reply.write !== undefined);
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
  };
}

/** Counts outcomes one at a time: what a run keeps instead of the outcomes themselves. */
export class Tally {
  readonly summary: BulkSummary = {
    files: 0,
    converted: 0,
    unchanged: 0,
    skipped: 0,
    errors: 0,
    byReason: {},
    firstErrors: [],
    durationMs: 0,
  };

  add(o: FileOutcome): void {
    const s = this.summary;
    s.files++;
    if (o.decision === "error") {
      s.errors++;
      if (s.firstErrors.length < ERROR_LIST_LIMIT) s.firstErrors.push(o);
    } else s[o.decision]++;
    if (o.decision === "unchanged" || o.decision === "skipped") {
      // Count each code once per file: a file with two "contract" reasons is one file.
      for (const code of new Set(o.reasons.map((r) => r.code))) {
        s.byReason[code] = (s.byReason[code] ?? 0) + 1;
      }
    }
  }
}

export function summarize(outcomes: Iterable<FileOutcome>, durationMs = 0): BulkSummary {
  const t = new Tally();
  for (const o of outcomes) t.add(o);
  t.summary.durationMs = durationMs;
  return t.summary;
}

/**
 * Runs `work` on 0..count-1 with `jobs` at once and hands each value to `emit` in index order.
 * At most `window` indices are finished-but-not-emitted or in flight past the next one to emit, so a
 * slow item holds back at most `window` values, and a slow `emit` (backpressure) pauses the work.
 */
export async function forEachOrdered<T>(
  count: number,
  jobs: number,
  window: number,
  work: (i: number) => Promise<T>,
  emit: (value: T, i: number) => void | Promise<void>,
): Promise<void> {
  const ready = new Map<number, T>();
  let next = 0; // next index to start
  let emitted = 0; // next index to emit
  let failed = false;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  // Emits run one at a time, in order: each flush is chained after the previous one.
  let chain: Promise<void> = Promise.resolve();
  const flush = async () => {
    while (!failed && ready.has(emitted)) {
      const value = ready.get(emitted)!;
      ready.delete(emitted);
      await emit(value, emitted);
      emitted++;
      wake();
    }
  };
  const span = Math.max(1, window);
  const worker = async () => {
    while (!failed && next < count) {
      if (next - emitted >= span) {
        await new Promise<void>((r) => waiters.push(r));
        continue;
      }
      const i = next++;
      try {
        ready.set(i, await work(i));
      } catch (e) {
        failed = true;
        wake();
        throw e;
      }
      chain = chain.then(flush).catch((e: unknown) => {
        failed = true;
        wake();
        throw e;
      });
      await chain;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, count)) }, worker));
}

/** Walks `paths`, converts every Dockerfile found, hands each on to `onResult`; returns counts. */
export async function runBulk(
  paths: string[],
  options: BulkOptions = {},
  onEvent: (e: BulkEvent) => void = () => {},
): Promise<BulkSummary> {
  const started = Date.now();
  const walked = await walkDockerfiles(paths, options);
  const files = new PathList(walked.files);
  walked.files = [];
  const tally = new Tally();
  const onResult = options.onResult ?? (() => {});
  // Paths that could not be walked (missing, unreadable) come first, as errors.
  let index = 0;
  for (const w of walked.errors) {
    const outcome = errorOutcome(w.path, w.error);
    tally.add(outcome);
    await onResult({ index: index++, outcome, result: null, cause: w.error });
  }
  const jobs = Math.max(1, options.jobs ?? defaultConvertJobs());
  const pool =
    jobs > 1 && !options.convert && files.length >= (options.poolMinFiles ?? POOL_MIN_FILES)
      ? startPool(jobs)
      : null;
  onEvent({ type: "start", total: files.length, ...(pool ? { workers: pool.size } : {}) });
  let done = 0;
  try {
    await forEachOrdered(
      files.length,
      // With a pool, DEPTH jobs per worker in flight keep every worker busy.
      pool ? jobs * DEPTH : jobs,
      options.window ?? Math.max(32, 8 * jobs),
      pool
        ? (i) => convertFileInPool(pool, files.at(i), options)
        : (i) => convertFile(files.at(i), options),
      async ({ outcome, result, cause }) => {
        tally.add(outcome);
        await onResult({
          index: index++,
          outcome,
          result,
          ...(cause === undefined ? {} : { cause }),
        });
        // After the file's own output, so a progress bar is redrawn below it.
        onEvent({ type: "file", done: ++done, total: files.length, outcome });
      },
    );
  } finally {
    await pool?.close();
  }
  const summary = tally.summary;
  summary.durationMs = Date.now() - started;
  onEvent({ type: "done", summary });
  return summary;
}

/** A pool of `jobs` workers, or null when none can be created (converts in-process then). */
function startPool(jobs: number): ConvertPool | null {
  try {
    return new ConvertPool(jobs);
  } catch {
    return null;
  }
}
