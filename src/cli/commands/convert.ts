// The main job: convert files (in place, --dry-run, --check, --json, or stdin → stdout).
import { convert } from "../../convert.js";
import { loadConfig } from "../../config.js";
import { formatExplanation } from "../../explain.js";
import { DEFAULT_MAX_SIZE, decode, InputError, readDockerfile } from "../../io/read.js";
import { findDockerfiles } from "../../io/walk.js";
import { writeAtomic } from "../../io/write.js";
import type { ConvertOptions, ConvertResult } from "../../types.js";
import { colorsFor, type Streams } from "../output.js";

export interface ConvertCliOptions {
  dryRun?: boolean;
  check?: boolean;
  json?: boolean;
  runtimeImage?: string;
  builderName?: string;
  config?: string;
  maxSize?: number;
  exclude?: string[];
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

export function toReport(path: string, r: ConvertResult): FileReport {
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
  const message =
    error instanceof InputError ? error.message.slice(path.length + 2) : (error as Error).message;
  const code = error instanceof InputError ? error.code : "internal";
  return {
    path,
    decision: "error",
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

/** Run the main command; returns the exit code (0 done, 1 --check found work, 2 errors). */
export async function runConvert(
  paths: string[],
  opts: ConvertCliOptions,
  io: Streams,
): Promise<number> {
  const c = colorsFor(io.stderr);
  let config;
  try {
    config = (await loadConfig(opts.config)).config;
  } catch (error) {
    io.stderr.write(`msb-migrate: ${(error as Error).message}\n`);
    return 2;
  }
  const base: ConvertOptions = {
    config,
    ...(opts.runtimeImage ? { runtimeImage: opts.runtimeImage } : {}),
    ...(opts.builderName ? { builderName: opts.builderName } : {}),
  };
  const reports: FileReport[] = [];
  const write = !opts.dryRun && !opts.check && !opts.json;

  if (paths.includes("-") && paths.length > 1) {
    io.stderr.write("msb-migrate: - (stdin) cannot be combined with other paths\n");
    return 2;
  }
  if (paths.length === 1 && paths[0] === "-") {
    let r: ConvertResult;
    try {
      r = convert(decode("<stdin>", await readStdin(io.stdin)), { ...base, path: "Dockerfile" });
    } catch (error) {
      io.stderr.write(`msb-migrate: ${(error as Error).message}\n`);
      return 2;
    }
    if (opts.json) io.stdout.write(JSON.stringify({ files: [toReport("-", r)] }, null, 2) + "\n");
    else if (opts.dryRun) io.stdout.write(r.patch);
    else if (!opts.check) io.stdout.write(r.output);
    if (!opts.json) io.stderr.write(formatExplanation("<stdin>", r.explanation) + "\n");
    return opts.check && r.decision === "converted" ? 1 : 0;
  }

  const walked = await findDockerfiles(paths, opts.exclude ?? []);
  for (const e of walked.errors) reports.push(errorReport(e.path, e));
  if (walked.files.length === 0 && walked.errors.length === 0) {
    io.stderr.write(`msb-migrate: no Dockerfiles found in ${paths.join(", ")}\n`);
  }
  for (const path of walked.files) {
    try {
      const file = await readDockerfile(path, opts.maxSize ?? DEFAULT_MAX_SIZE);
      const r = convert(file.text, { ...base, path });
      if (write && r.decision === "converted") await writeAtomic(file, r.output);
      reports.push(toReport(path, r));
    } catch (error) {
      reports.push(errorReport(path, error));
    }
  }

  if (opts.json) {
    io.stdout.write(
      JSON.stringify({ files: reports, summary: summarise(reports) }, null, 2) + "\n",
    );
  } else {
    for (const r of reports) {
      if (opts.dryRun && r.patch) io.stdout.write(r.patch);
      if (opts.dryRun) io.stderr.write(formatExplanation(r.path, r.explanation) + "\n");
      io.stderr.write(statusLine(r, write, c) + "\n");
    }
  }
  if (reports.some((r) => r.decision === "error")) return 2;
  if (opts.check && reports.some((r) => r.decision === "converted")) return 1;
  return 0;
}

function statusLine(r: FileReport, wrote: boolean, c: ReturnType<typeof colorsFor>): string {
  const why = r.reasons[0] ? ` (${r.reasons[0].code}: ${r.reasons[0].message})` : "";
  switch (r.decision) {
    case "converted":
      return `${c.green(wrote ? "converted" : "would convert")} ${r.path} [${r.ecosystem} → ${r.plan?.image}]`;
    case "unchanged":
      return `${c.dim("unchanged")} ${r.path}${why}`;
    case "skipped":
      return `${c.yellow("skipped")} ${r.path}${why}`;
    default:
      return `${c.red("error")} ${r.path}: ${r.reasons[0]?.message ?? "failed"}`;
  }
}

export function summarise(reports: FileReport[]) {
  const byReason: Record<string, number> = {};
  for (const r of reports)
    if (r.decision === "skipped" || r.decision === "unchanged")
      for (const x of r.reasons) byReason[x.code] = (byReason[x.code] ?? 0) + 1;
  return {
    files: reports.length,
    converted: reports.filter((r) => r.decision === "converted").length,
    unchanged: reports.filter((r) => r.decision === "unchanged").length,
    skipped: reports.filter((r) => r.decision === "skipped").length,
    errors: reports.filter((r) => r.decision === "error").length,
    reasons: byReason,
  };
}
