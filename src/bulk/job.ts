// One bulk file as a job a worker thread can run (src/io/convert-worker.ts): read, convert, and
// what is sent back. The in-process path (convertFile in src/bulk/run.ts) hands on the same
// BulkResult (toBulkResult), so both give the same results.
import { convert } from "../convert.js";
import { boundFor, type TimeoutPolicy } from "../io/bounded.js";
import { contextFor, type ContextSetting } from "../io/context.js";
import { InputError, readDockerfileSync, type ReadFile } from "../io/read.js";
import type { ConvertOptions, ConvertResult, LineFact } from "../types.js";

/**
 * What a bulk run hands on of a conversion: the engine result without what only the engine needs
 * (detections, the facts beyond each line's role and evidence, the output text). Crossing a
 * thread boundary is a structured clone per file: a third less to copy than the full result.
 */
export interface BulkResult extends Pick<
  ConvertResult,
  "decision" | "reasons" | "ecosystem" | "stages" | "plan" | "contract" | "explanation" | "patch"
> {
  facts: { lines: Pick<LineFact, "line" | "role" | "evidence">[] } | null;
}

export function toBulkResult(r: ConvertResult): BulkResult {
  return {
    decision: r.decision,
    reasons: r.reasons,
    ecosystem: r.ecosystem,
    stages: r.stages,
    facts: r.facts
      ? { lines: r.facts.lines.map((l) => ({ line: l.line, role: l.role, evidence: l.evidence })) }
      : null,
    plan: r.plan,
    contract: r.contract,
    explanation: r.explanation,
    patch: r.patch,
  };
}

/** A file to convert in a worker: only data (structured-clonable). */
export interface FileJob {
  file: string;
  maxSize: number;
  /** Read for a write (hash, real path) and send the output back when it changed. */
  write: boolean;
  convertOptions: ConvertOptions;
  /** The build context: read beside the file in the worker (see BulkOptions.context). */
  context?: ContextSetting;
  timeout?: TimeoutPolicy;
}

/** What the main thread needs to write a converted file: the read's metadata, not its text. */
export interface WriteBack {
  read: Omit<ReadFile, "text">;
  output: string;
}

export interface SerializedError {
  message: string;
  stack?: string;
  /** Set for an InputError: its path and code, so it is rebuilt as one. */
  input?: { path: string; code: string };
}

export type JobReply =
  { ok: true; result: BulkResult; write?: WriteBack } | { ok: false; error: SerializedError };

export function serializeError(e: unknown): SerializedError {
  const err = e as Error;
  return {
    message: err?.message ?? String(e),
    ...(err?.stack ? { stack: err.stack } : {}),
    ...(e instanceof InputError ? { input: { path: e.path, code: e.code } } : {}),
  };
}

/** The error again on this side, an InputError when it was one (codes decide skip vs error). */
export function reviveError(s: SerializedError): Error {
  const e = s.input
    ? new InputError(s.input.path, s.message.slice(s.input.path.length + 2), s.input.code)
    : new Error(s.message);
  if (s.stack) e.stack = s.stack;
  return e;
}

/**
 * Runs a job in this thread (the worker's side). `onBound` is told the time bound before the
 * conversion starts, so the main thread can start the clock and stop this thread when it passes.
 */
export function runFileJob(job: FileJob, onBound: (ms: number) => void): JobReply {
  try {
    const read = readDockerfileSync(job.file, job.maxSize, { forWrite: job.write });
    const ms = boundFor(job.timeout, read.text);
    if (ms > 0) onBound(ms);
    const context = contextFor(job.file, job.context);
    const result = convert(read.text, {
      ...job.convertOptions,
      path: job.file,
      ...(context ? { context } : {}),
    });
    const reply: JobReply = { ok: true, result: toBulkResult(result) };
    if (job.write && result.decision === "converted" && result.output !== read.text) {
      const { text: _text, ...meta } = read;
      reply.write = { read: meta, output: result.output };
    }
    return reply;
  } catch (e) {
    return { ok: false, error: serializeError(e) };
  }
}
