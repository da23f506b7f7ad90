// The main job: convert files (in place, --dry-run, --check, --json, or stdin → stdout).
import { existsSync } from "node:fs";
import { loadConfig } from "../../config.js";
import { readBuildContext, type ContextSetting } from "../../io/context.js";
import { formatExplanation } from "../../explain.js";
import {
  boundFor,
  convertBounded,
  DEFAULT_TIMEOUT_MS,
  type TimeoutPolicy,
} from "../../io/bounded.js";
import {
  DEFAULT_MAX_SIZE,
  decode,
  InputError,
  oneLine,
  readDockerfileSync,
  SKIP_CODES,
} from "../../io/read.js";
import {
  createProgress,
  JsonArrayDocument,
  openBulkReport,
  renderSummaryText,
  runBulk,
  wantsBar,
  writeOut,
  type BulkResult,
  type BulkSummary,
} from "../../bulk/index.js";
import { SarifLocator, SarifLog } from "../../report/sarif.js";
import type { ConvertOptions, ConvertResult } from "../../types.js";
import { colorsFor, type Streams } from "../output.js";

export interface ConvertCliOptions {
  dryRun?: boolean;
  check?: boolean;
  json?: boolean;
  /** --format: text (default), json (same as --json) or sarif. */
  format?: OutputFormat;
  runtimeImage?: string;
  builderName?: string;
  config?: string;
  maxSize?: number;
  exclude?: string[];
  jobs?: number;
  report?: string;
  gitignore?: boolean;
  timeoutMs?: number;
  /** --context DIR: one build context for every file (default: each Dockerfile's folder). */
  context?: string;
  /** --cache-mounts: policy.cacheMounts. */
  cacheMounts?: boolean;
}

export const FORMATS = ["text", "json", "sarif"] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** --format, with --json as its shorthand; null when the two disagree. */
export function outputFormat(
  opts: Pick<ConvertCliOptions, "json" | "format">,
): OutputFormat | null {
  if (opts.json && opts.format && opts.format !== "json") return null;
  return opts.format ?? (opts.json ? "json" : "text");
}

export interface FileReport {
  path: string;
  decision: ConvertResult["decision"] | "error";
  reasons: { code: string; message: string; line?: number }[];
  ecosystem: string | null;
  stages: string[];
  facts: { line: number; role: string; evidence: { rule: string; match: string; why: string }[] }[];
  plan: ConvertResult["plan"];
  contract: ConvertResult["contract"];
  explanation: ConvertResult["explanation"];
  patch: string;
}

/** A file's --json entry; a bulk run's BulkResult has all it needs (a ConvertResult too). */
export function toReport(path: string, r: BulkResult): FileReport {
  return {
    path,
    decision: r.decision,
    reasons: r.reasons,
    ecosystem: r.ecosystem,
    stages: r.stages,
    facts: (r.facts?.lines ?? []).map((l) => ({
      line: l.line,
      role: l.role,
      evidence: l.evidence,
    })),
    plan: r.plan,
    contract: r.contract,
    explanation: r.explanation,
    patch: r.patch,
  };
}

export function errorReport(path: string, error: unknown): FileReport {
  const message = oneLine(
    error instanceof InputError
      ? error.message.slice(error.path.length + 2)
      : `internal error: ${(error as Error)?.message ?? String(error)}`,
  );
  const code = error instanceof InputError ? error.code : "internal";
  // Too large or too slow: left alone on purpose, reported as a skip with its reason.
  const decision = SKIP_CODES.has(code) ? "skipped" : "error";
  return {
    path,
    decision,
    reasons: [{ code, message }],
    ecosystem: null,
    stages: [],
    facts: [],
    plan: null,
    contract: null,
    explanation: [],
    patch: "",
  };
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

/** Files up to this many characters convert in-process unless --timeout-ms is given. */
export const IN_PROCESS_LIMIT = 64 * 1024;

/** Run the main command; returns the exit code (0 done, 1 --check found work, 2 errors). */
export async function runConvert(
  paths: string[],
  opts: ConvertCliOptions,
  io: Streams,
): Promise<number> {
  const c = colorsFor(io.stderr);
  const format = outputFormat(opts);
  if (!format) {
    io.stderr.write(
      `msb-migrate: --json is --format json; it cannot go with --format ${opts.format}\n`,
    );
    return 2;
  }
  const json = format === "json";
  const sarif = format === "sarif";
  let config;
  try {
    config = (await loadConfig(opts.config)).config;
  } catch (error) {
    io.stderr.write(`msb-migrate: ${(error as Error).message}\n`);
    return 2;
  }
  if (opts.cacheMounts) config = { ...config, policy: { ...config.policy, cacheMounts: true } };
  if (opts.context !== undefined && !existsSync(opts.context)) {
    io.stderr.write(`msb-migrate: --context ${opts.context}: no such folder\n`);
    return 2;
  }
  const context: ContextSetting = opts.context !== undefined ? { dir: opts.context } : "auto";
  const base: ConvertOptions = {
    config,
    ...(opts.runtimeImage ? { runtimeImage: opts.runtimeImage } : {}),
    ...(opts.builderName ? { builderName: opts.builderName } : {}),
  };
  const write = !opts.dryRun && !opts.check && format === "text";
  // Only --dry-run, --json and SARIF (its fixes) show the diff: --check and writes need not make one.
  if (!opts.dryRun && format === "text") base.patch = false;
  // The time bound needs a worker thread (convert is synchronous). Small files, the real ones,
  // convert in-process in milliseconds; an explicit --timeout-ms bounds every file. Data, not a
  // callback: bulk worker threads apply it too.
  const timeout: TimeoutPolicy =
    opts.timeoutMs !== undefined
      ? { ms: opts.timeoutMs, overChars: -1 }
      : { ms: DEFAULT_TIMEOUT_MS, overChars: IN_PROCESS_LIMIT };

  if (paths.includes("-") && paths.length > 1) {
    io.stderr.write("msb-migrate: - (stdin) cannot be combined with other paths\n");
    return 2;
  }
  if (paths.length === 1 && paths[0] === "-") {
    if (sarif) {
      io.stderr.write(
        "msb-migrate: --format sarif names files: give files or directories, not -\n",
      );
      return 2;
    }
    let r: ConvertResult;
    let bytes: Buffer = Buffer.alloc(0);
    try {
      bytes = await readStdin(io.stdin);
      const max = opts.maxSize ?? DEFAULT_MAX_SIZE;
      if (bytes.length > max) {
        const why = `is ${bytes.length} bytes, over the --max-size limit of ${max}`;
        throw new InputError("<stdin>", why, "too-large");
      }
      const text = decode("<stdin>", bytes);
      r = await convertBounded(
        "<stdin>",
        text,
        {
          ...base,
          path: "Dockerfile",
          // Standard input has no folder: only an explicit --context gives it one.
          context:
            opts.context !== undefined
              ? readBuildContext(opts.context)
              : { unknown: "the Dockerfile comes from standard input (give --context DIR)" },
        },
        boundFor(timeout, text),
      );
    } catch (error) {
      const e = errorReport("<stdin>", error);
      io.stderr.write(`msb-migrate: <stdin>: ${e.reasons[0]!.message}\n`);
      if (e.decision !== "skipped") return 2;
      // A skip passes the input through, so `msb-migrate - < a > b` never leaves b empty.
      if (write) io.stdout.write(bytes);
      return 0;
    }
    if (json) io.stdout.write(JSON.stringify({ files: [toReport("-", r)] }, null, 2) + "\n");
    else if (opts.dryRun) io.stdout.write(r.patch);
    else if (!opts.check) io.stdout.write(r.output);
    if (!json) io.stderr.write(formatExplanation("<stdin>", r.explanation) + "\n");
    return opts.check && r.decision === "converted" ? 1 : 0;
  }

  // Walk (.gitignore, --exclude), convert with --jobs at once, progress bar on a TTY: src/bulk.
  // Each file is printed (patch, explanation, status line, JSON entry, report row) as soon as it
  // and the files before it are done, then dropped: memory stays flat however many files.
  const report = opts.report ? await openBulkReport(opts.report) : null;
  const doc = json ? new JsonArrayDocument("files") : null;
  const sarifLog = sarif ? new SarifLog(new SarifLocator(paths)) : null;
  // A fix is the patch applied to the file's text: read it again (--format sarif writes nothing).
  const readBack = (file: string) => () => {
    try {
      return readDockerfileSync(file, opts.maxSize, { forWrite: false }).text;
    } catch {
      return null;
    }
  };
  const tally = new JsonTally();
  const bar = wantsBar(io.stderr);
  if (doc) await writeOut(io.stdout, doc.begin());
  if (sarifLog) await writeOut(io.stdout, sarifLog.begin());
  let bulk: BulkSummary;
  try {
    bulk = await runBulk(
      paths,
      {
        jobs: opts.jobs,
        exclude: opts.exclude,
        gitignore: opts.gitignore,
        write,
        maxSize: opts.maxSize,
        convertOptions: base,
        context,
        timeout,
        onResult: async ({ outcome, result, cause }) => {
          const r = result ? toReport(outcome.path, result) : errorReport(outcome.path, cause);
          await report?.add(outcome);
          if (doc) {
            tally.add(r);
            await writeOut(io.stdout, doc.item(r));
            return;
          }
          if (sarifLog) {
            await writeOut(io.stdout, sarifLog.add(r, readBack(outcome.path)));
            return;
          }
          // A progress bar is on the last line of stderr: clear it; it is redrawn below.
          if (bar) io.stderr.write("\r\x1b[2K");
          if (opts.dryRun && r.patch) await writeOut(io.stdout, r.patch);
          if (opts.dryRun)
            await writeOut(io.stderr, formatExplanation(r.path, r.explanation) + "\n");
          await writeOut(io.stderr, statusLine(r, write, c) + "\n");
        },
      },
      bar ? createProgress(io.stderr) : undefined,
    );
  } catch (error) {
    await report?.abort();
    throw error;
  }
  if (bulk.files === 0) {
    io.stderr.write(`msb-migrate: no Dockerfiles found in ${paths.join(", ")}\n`);
  }
  await report?.finish(bulk);

  if (doc) await writeOut(io.stdout, doc.end({ summary: tally.summary }));
  else if (sarifLog) await writeOut(io.stdout, sarifLog.end());
  else if (bulk.files > 1) await writeOut(io.stderr, renderSummaryText(bulk));
  if (bulk.errors > 0) return 2;
  if (opts.check && bulk.converted > 0) return 1;
  return 0;
}

/** A path shown on a status line: quoted when it holds line breaks or other control characters. */
function showPath(p: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(p) ? JSON.stringify(p) : p;
}

function statusLine(r: FileReport, wrote: boolean, c: ReturnType<typeof colorsFor>): string {
  const path = showPath(r.path);
  const why = r.reasons[0] ? ` (${r.reasons[0].code}: ${r.reasons[0].message})` : "";
  switch (r.decision) {
    case "converted":
      return `${c.green(wrote ? "converted" : "would convert")} ${path} [${r.ecosystem} → ${r.plan?.image}]`;
    case "unchanged":
      return `${c.dim("unchanged")} ${path}${why}`;
    case "skipped":
      return `${c.yellow("skipped")} ${path}${why}`;
    default:
      return `${c.red("error")} ${path}: ${r.reasons[0]?.message ?? "failed"}`;
  }
}

/** The `summary` of --json, counted one file at a time (reasons: every reason of every file left alone). */
export class JsonTally {
  readonly summary = {
    files: 0,
    converted: 0,
    unchanged: 0,
    skipped: 0,
    errors: 0,
    reasons: {} as Record<string, number>,
  };

  add(r: FileReport): void {
    const s = this.summary;
    s.files++;
    if (r.decision === "error") s.errors++;
    else s[r.decision]++;
    if (r.decision === "skipped" || r.decision === "unchanged")
      for (const x of r.reasons) s.reasons[x.code] = (s.reasons[x.code] ?? 0) + 1;
  }
}
