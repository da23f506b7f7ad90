// `msb-migrate --resolve FILE…`: each Dockerfile's builder is built with the local engine and
// inspected before converting (src/resolve). One file at a time: the builds share two CPUs and
// the engine's cache; files only (a build needs a known context).
import { statSync } from "node:fs";
import { formatExplanation } from "../../explain.js";
import { formatBytes } from "../../verify/format.js";
import { readDockerfileSync } from "../../io/read.js";
import { writeAtomic } from "../../io/write.js";
import type { ConvertOptions } from "../../types.js";
import type { Streams } from "../output.js";
import { errorReport, toReport, type ConvertCliOptions, type FileReport } from "./convert.js";

export async function runResolve(
  paths: string[],
  opts: ConvertCliOptions,
  base: ConvertOptions,
  io: Streams,
): Promise<number> {
  const json = opts.json || opts.format === "json";
  if (opts.format === "sarif") {
    io.stderr.write("msb-migrate: --resolve writes text or JSON, not SARIF\n");
    return 2;
  }
  for (const p of paths) {
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      // reported below, as the file's error
    }
    if (p === "-" || dir) {
      io.stderr.write(
        `msb-migrate: --resolve builds each file's builder with its context: give Dockerfiles, not ${p === "-" ? "stdin" : `the folder ${p}`}\n`,
      );
      return 2;
    }
  }
  if (opts.context && paths.length > 1) {
    io.stderr.write("msb-migrate: --context names one build context: give one Dockerfile\n");
    return 2;
  }
  const write = !opts.dryRun && !opts.check && !json;
  const { resolveDockerfile } = await import("../../resolve/index.js");
  const reports: (FileReport & { resolve?: unknown })[] = [];
  let errors = 0;
  let converted = 0;
  for (const file of paths) {
    try {
      const read = readDockerfileSync(file, opts.maxSize, { forWrite: write });
      const outcome = await resolveDockerfile({
        dockerfile: file,
        text: read.text,
        context: opts.context,
        docker: opts.docker,
        prove: opts.verify !== false,
        convertOptions: { ...base, path: file },
        log: (l) => io.stderr.write(l + "\n"),
      });
      const r = outcome.result;
      if (r.decision === "converted") converted++;
      if (write && r.decision === "converted" && r.output !== read.text)
        await writeAtomic(read, r.output);
      const report = {
        ...toReport(file, r),
        resolve: {
          observed: outcome.observed,
          fallback: outcome.fallback,
          built: outcome.built,
          builderSeconds: outcome.builderBuild?.seconds ?? null,
          inspectSeconds: outcome.inspectSeconds,
          proof: outcome.proof,
        },
      };
      if (json) reports.push(report);
      else {
        if (opts.dryRun) io.stdout.write(r.patch);
        if (opts.dryRun) io.stderr.write(formatExplanation(file, r.explanation) + "\n");
        const proof = outcome.proof;
        const proved =
          proof?.verdict === "verified"
            ? `; verified: ${formatBytes(proof.originalBytes ?? 0)} → ${formatBytes(proof.convertedBytes ?? 0)}`
            : "";
        const how = outcome.fallback ? `static: ${outcome.fallback}` : `observed${proved}`;
        const status =
          r.decision === "converted"
            ? `${write ? "converted" : "would convert"} ${file} [${r.ecosystem} → ${r.plan?.image}] (${how})`
            : `${r.decision} ${file} (${r.reasons[0]?.code}: ${r.reasons[0]?.message}) (${how})`;
        io.stderr.write(status + "\n");
      }
    } catch (error) {
      errors++;
      const e = errorReport(file, error);
      if (json) reports.push(e);
      else io.stderr.write(`error ${file}: ${e.reasons[0]?.message}\n`);
    }
  }
  if (json) io.stdout.write(JSON.stringify({ files: reports }, null, 2) + "\n");
  if (errors > 0) return 2;
  if (opts.check && converted > 0) return 1;
  return 0;
}
