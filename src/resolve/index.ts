// `--resolve`: build the static plan's builder stage with the local engine, inspect what it made
// (inspect.ts), and convert again with those observed facts. Without an engine, or when the
// builder does not build, the static result stands and the reason says why.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { analyse } from "../analyse.js";
import { entryProgram } from "../artifacts.js";
import { convert } from "../convert.js";
import { parseDocument } from "../parse/document.js";
import type { ConvertOptions, ConvertResult, ObservedFacts } from "../types.js";
import { buildImage, Docker, resolveDockerPath, type BuildOutcome } from "../verify/docker.js";
import { inspectBuilder } from "./inspect.js";

export { inspectBuilder, type InspectRequest } from "./inspect.js";

export interface ResolveOptions {
  dockerfile: string;
  /** The Dockerfile's text, when already read (else it is read from `dockerfile`). */
  text?: string;
  /** Build context (default: the Dockerfile's folder). */
  context?: string;
  convertOptions?: ConvertOptions;
  /** Docker client (default `$DOCKER`, else /usr/bin/docker). */
  docker?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /**
   * Prove an observed conversion with `verify` (build and run both images): a result that does
   * not verify leaves the file alone. Off by default for library callers; the CLI turns it on.
   */
  prove?: boolean;
}

/** What `verify` said of the observed conversion. */
export interface Proof {
  verdict: string;
  originalBytes: number | null;
  convertedBytes: number | null;
  errors: string[];
}

export interface ResolveOutcome {
  /** The conversion with the observed facts, or the static one when resolving fell back. */
  result: ConvertResult;
  /** What the builder showed; null when nothing was observed. */
  observed: ObservedFacts | null;
  /** Why the static result stands (no engine, the builder does not build…); null when observed. */
  fallback: string | null;
  /** What was built: the static plan's builder stage, or the original file as a provisional builder. */
  built: "builder-stage" | "original" | null;
  builderBuild: BuildOutcome | null;
  /** Seconds spent inspecting the built builder (beyond its build). */
  inspectSeconds: number | null;
  /** With `prove`: what verify said of the observed conversion. */
  proof: Proof | null;
}

/** Static leave-alone reasons an observation of the built image can settle. */
const OBSERVABLE = new Set(["artifact-unknown", "runtime-library-unknown", "release-unknown"]);

export async function resolveDockerfile(opts: ResolveOptions): Promise<ResolveOutcome> {
  const log = opts.log ?? (() => {});
  const dockerfile = path.resolve(opts.dockerfile);
  const context = path.resolve(opts.context ?? path.dirname(dockerfile));
  const text = opts.text ?? (await readFile(dockerfile, "utf8"));
  const options: ConvertOptions = { path: opts.dockerfile, ...opts.convertOptions };
  const staticResult = convert(text, options);
  const outcome: ResolveOutcome = {
    result: staticResult,
    observed: null,
    fallback: null,
    built: null,
    builderBuild: null,
    inspectSeconds: null,
    proof: null,
  };
  const fallBack = (why: string): ResolveOutcome => {
    outcome.fallback = why;
    staticResult.explanation.push({
      role: "plan",
      text: `--resolve: ${why}; the static result stands (inferred)`,
    });
    return outcome;
  };

  // What to build: the builder stage of the static plan, of a provisional plan (unknown -dev
  // libraries to be observed), or the original file itself when its artifact is unknown.
  let builderText = staticResult.output;
  let target: string | undefined = staticResult.stages[0];
  let planned = staticResult;
  if (staticResult.decision !== "converted") {
    const code = staticResult.reasons[0]?.code ?? "";
    if (!OBSERVABLE.has(code))
      return fallBack(`nothing to observe: ${staticResult.reasons[0]?.message ?? "left alone"}`);
    const provisional = convert(text, { ...options, provisional: true });
    if (provisional.decision === "converted") {
      planned = provisional;
      builderText = provisional.output;
      target = provisional.stages[0];
    } else {
      builderText = text;
      target = undefined;
    }
  }
  outcome.built = target ? "builder-stage" : "original";

  const docker = new Docker(resolveDockerPath(opts.docker));
  const probe = await docker.probe();
  if (!probe.ok) return fallBack(probe.reason);

  const doc = parseDocument(text);
  const facts = analyse(doc);
  const entry = entryProgram({ doc, facts, config: options.config ?? {} });
  const tag = `msb-resolve-${process.pid}-${randomBytes(3).toString("hex")}:builder`;
  const tmp = await mkdtemp(path.join(tmpdir(), "msb-resolve-"));
  try {
    const file = path.join(tmp, "Dockerfile.builder");
    await writeFile(file, builderText);
    log(
      `resolve: building ${target ? `stage "${target}"` : "the original file"} of ${opts.dockerfile}…`,
    );
    const build = await buildImage(docker, { file, context, tag, target }, opts.signal);
    outcome.builderBuild = build;
    if (!build.ok)
      return fallBack(
        `the builder does not build here (private registry, secrets or network?): ${build.errorLines.at(-1) ?? "failed"}`,
      );
    log(`resolve: built in ${build.seconds.toFixed(1)}s; inspecting…`);
    const inspect = (paths: string[]) =>
      inspectBuilder(
        docker,
        {
          image: tag,
          baseImage: facts.base?.ref,
          entry: entry?.program.includes("$") ? undefined : entry?.program,
          workdir: facts.finalWorkdir,
          paths,
          // Only an unknown artifact is looked for among what the build added.
          findInstall: staticResult.reasons[0]?.code === "artifact-unknown",
          source: `the ${target ? `builder stage "${target}"` : "original file"} built by --resolve`,
        },
        opts.signal,
      );
    let paths = (planned.plan?.artifacts ?? []).map((a) => a.from);
    let inspected = await inspect(paths);
    if (!inspected.ok) return fallBack(inspected.reason);
    let result = convert(text, { ...options, observed: inspected.observed });
    // Planned only now (the static plan left the file alone): inspect again when the plan copies
    // paths the first look did not cover, so every copied native file is observed.
    const more = (result.plan?.artifacts ?? [])
      .map((a) => a.from)
      .filter((p) => !paths.includes(p));
    if (more.length > 0) {
      paths = [...paths, ...more];
      const again = await inspect(paths);
      if (!again.ok) return fallBack(again.reason);
      again.seconds += inspected.seconds;
      inspected = again;
      result = convert(text, { ...options, observed: inspected.observed });
    }
    outcome.inspectSeconds = inspected.seconds;
    outcome.observed = inspected.observed;
    log(`resolve: inspected in ${inspected.seconds.toFixed(1)}s`);
    outcome.result = result;
    if (opts.prove && result.decision === "converted") await prove(outcome, text, context, opts);
    return outcome;
  } finally {
    await docker.run(["rmi", "-f", tag], { timeoutMs: 60_000 });
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Builds and runs the original and the observed conversion; one that does not verify is undone. */
async function prove(
  outcome: ResolveOutcome,
  text: string,
  context: string,
  opts: ResolveOptions,
): Promise<void> {
  const { verifyDockerfile } = await import("../verify/index.js");
  const result = outcome.result;
  const report = await verifyDockerfile({
    dockerfile: opts.dockerfile,
    context,
    convertedText: result.output,
    docker: opts.docker,
    signal: opts.signal,
    log: opts.log,
  });
  outcome.proof = {
    verdict: report.verdict,
    originalBytes: report.original?.image?.size ?? null,
    convertedBytes: report.converted?.image?.size ?? null,
    errors: report.errors,
  };
  if (report.verdict === "verified") {
    const o = outcome.proof.originalBytes ?? 0;
    const c = outcome.proof.convertedBytes ?? 0;
    result.explanation.push({
      role: "plan",
      text: `--resolve: verified: same behaviour, ${o} → ${c} bytes${o > 0 ? ` (-${((100 * (o - c)) / o).toFixed(1)}%)` : ""}`,
    });
    return;
  }
  // Never a silent wrong rewrite: what does not verify is not written.
  const message = `--resolve: the observed conversion did not verify (${report.verdict}): ${report.errors[0] ?? "no detail"}`;
  outcome.result = {
    ...result,
    decision: "skipped",
    output: text,
    patch: "",
    stages: [],
    reasons: [{ code: "verify-failed", message }],
    explanation: [...result.explanation, { role: "leave", text: message }],
  };
}
