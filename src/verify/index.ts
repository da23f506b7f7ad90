// `verifyDockerfile`: build the original and the converted Dockerfile with a real engine and check
// that the converted image is smaller and behaves the same. Used by `msb-migrate verify`, PR mode
// and the end-to-end tests.
import { readBuildContext } from "../io/context.js";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { convert } from "../index.js";
import type {
  ContractCheck,
  ConvertOptions,
  ConvertResult,
  DecisionKind,
  Reason,
  RuntimePlan,
} from "../types.js";
import { compareConfigs, isFailure } from "./compare.js";
import {
  buildImage,
  Docker,
  inspectImage,
  resolveDockerPath,
  type BuildOutcome,
  type ImageFacts,
} from "./docker.js";
import { readStages, type StageInfo } from "./dockerfile-info.js";
import { sameBehaviour, smokeRun, type SmokeResult, type SmokeSpec } from "./smoke.js";

export { Docker, resolveDockerPath, type EngineProbe } from "./docker.js";
export type { SmokeResult, SmokeSpec } from "./smoke.js";
export { formatReport } from "./format.js";

export interface VerifyOptions {
  /** Path of the original Dockerfile. */
  dockerfile: string;
  /** Build context (default: the Dockerfile's directory). */
  context?: string;
  /** Use this converted text instead of running the converter. */
  convertedText?: string;
  convertOptions?: ConvertOptions;
  /** Docker client binary (default `$DOCKER`, else /usr/bin/docker). */
  docker?: string;
  smoke?: SmokeSpec;
  noCache?: boolean;
  signal?: AbortSignal;
  /** Progress lines for people (stderr in the CLI). */
  log?: (line: string) => void;
}

export type Verdict = "verified" | "differs" | "error";

export interface ImageSide {
  build: BuildOutcome;
  image: Omit<ImageFacts, "config"> | null;
  smoke: SmokeResult | null;
}

export interface VerifyReport {
  verdict: Verdict;
  /** Prefix of the temporary image tags and container names of this run (all removed at the end). */
  runId: string;
  /** 0 verified, 1 behaviour or contract differs, 2 could not verify. */
  exitCode: 0 | 1 | 2;
  dockerfile: string;
  context: string;
  engine: { docker: string; version: string | null };
  /** What the converter decided, or `given` when the converted file was supplied. */
  decision: DecisionKind | "given";
  reasons: Reason[];
  builderStage: string | null;
  original: ImageSide | null;
  converted: ImageSide | null;
  builder: BuildOutcome | null;
  sizeSavedBytes: number | null;
  sizeSavedPercent: number | null;
  contract: ContractCheck | null;
  behaviour: { same: boolean; detail: string } | null;
  /** Why verification failed or could not be done; engine error lines included. */
  errors: string[];
  notes: string[];
}

/** Temporary containers, images and directories; always removed, also on failure or interrupt. */
class Janitor {
  private containers: string[] = [];
  private images: string[] = [];
  private dirs: string[] = [];
  constructor(private docker: Docker) {}
  container(name: string) {
    this.containers.push(name);
  }
  image(tag: string) {
    this.images.push(tag);
  }
  dir(p: string) {
    this.dirs.push(p);
  }
  async clean(): Promise<void> {
    // No abort signal here: cleanup must run to completion after an interrupt.
    if (this.containers.length)
      await this.docker.run(["rm", "-f", "-v", ...this.containers], { timeoutMs: 60_000 });
    // Removing tags only; BuildKit's cache stays, so the next run is fast.
    if (this.images.length)
      await this.docker.run(["rmi", "-f", ...this.images], { timeoutMs: 60_000 });
    for (const d of this.dirs) await rm(d, { recursive: true, force: true });
    this.containers = [];
    this.images = [];
    this.dirs = [];
  }
}

export async function verifyDockerfile(opts: VerifyOptions): Promise<VerifyReport> {
  const log = opts.log ?? (() => {});
  const dockerfile = path.resolve(opts.dockerfile);
  const context = path.resolve(opts.context ?? path.dirname(dockerfile));
  const docker = new Docker(resolveDockerPath(opts.docker));
  const id = `msb-verify-${process.pid}-${randomBytes(3).toString("hex")}`;
  const report: VerifyReport = {
    verdict: "error",
    runId: id,
    exitCode: 2,
    dockerfile,
    context,
    engine: { docker: docker.path, version: null },
    decision: "given",
    reasons: [],
    builderStage: null,
    original: null,
    converted: null,
    builder: null,
    sizeSavedBytes: null,
    sizeSavedPercent: null,
    contract: null,
    behaviour: null,
    errors: [],
    notes: [],
  };
  const fail = (msg: string, lines: string[] = []) => {
    report.errors.push(msg, ...lines.map((l) => `  ${l}`));
    return report;
  };

  let originalText: string;
  try {
    originalText = await readFile(dockerfile, "utf8");
  } catch (e) {
    return fail(`cannot read ${opts.dockerfile}: ${(e as Error).message}`);
  }
  let convertedText = opts.convertedText;
  let plan: RuntimePlan | null = null;
  if (convertedText === undefined) {
    let result: ConvertResult;
    try {
      // The context the builds use is the one the conversion reads (manifests first).
      result = convert(originalText, {
        path: opts.dockerfile,
        context: readBuildContext(context, dockerfile),
        ...opts.convertOptions,
      });
    } catch (e) {
      return fail(`converter failed: ${(e as Error).message}`);
    }
    report.decision = result.decision;
    report.reasons = result.reasons;
    plan = result.plan;
    if (result.decision !== "converted") {
      const why = result.reasons.map((r) => r.message).join("; ") || "no reason given";
      return fail(
        `nothing to verify: the converter did not convert the file (${result.decision}: ${why})`,
      );
    }
    convertedText = result.output;
  }

  let originalStages: StageInfo[];
  let convertedStages: StageInfo[];
  try {
    originalStages = readStages(originalText);
    convertedStages = readStages(convertedText);
  } catch (e) {
    return fail(`cannot read the Dockerfile's stages: ${(e as Error).message}`);
  }
  const originalFinal = originalStages.at(-1);
  if (!originalFinal) return fail("the original Dockerfile has no FROM");
  if (convertedStages.length < 2) report.notes.push("the converted file has a single stage");
  report.builderStage = convertedStages.length > 1 ? (convertedStages[0]?.name ?? null) : null;

  const probe = await docker.probe();
  if (!probe.ok) return fail(probe.reason);
  report.engine.version = probe.version;

  const janitor = new Janitor(docker);
  const tags = {
    original: `${id}:original`,
    converted: `${id}:converted`,
    builder: `${id}:builder`,
  };
  try {
    const tmp = await mkdtemp(path.join(tmpdir(), "msb-verify-"));
    janitor.dir(tmp);
    const convertedFile = path.join(tmp, "Dockerfile.converted");
    await writeFile(convertedFile, convertedText);

    const build = async (label: string, file: string, tag: string, target?: string) => {
      log(`building ${label}…`);
      janitor.image(tag);
      // The builder-stage build reuses the converted build's cache: it only proves the stage stands alone.
      const b = await buildImage(
        docker,
        { file, context, tag, target, noCache: opts.noCache && !target },
        opts.signal,
      );
      log(`  ${label}: ${b.ok ? "built" : "FAILED"} in ${b.seconds.toFixed(1)}s`);
      return b;
    };

    const origBuild = await build("original", dockerfile, tags.original);
    report.original = { build: origBuild, image: null, smoke: null };
    if (!origBuild.ok) return fail("the original Dockerfile does not build:", origBuild.errorLines);
    const convBuild = await build("converted", convertedFile, tags.converted);
    report.converted = { build: convBuild, image: null, smoke: null };
    if (!convBuild.ok)
      return fail("the converted Dockerfile does not build:", convBuild.errorLines);
    if (report.builderStage) {
      report.builder = await build(
        `stage ${report.builderStage}`,
        convertedFile,
        tags.builder,
        report.builderStage,
      );
      if (!report.builder.ok) {
        return fail(
          `the converted builder stage "${report.builderStage}" does not build on its own:`,
          report.builder.errorLines,
        );
      }
    }

    const orig = await inspectImage(docker, tags.original, opts.signal);
    const conv = await inspectImage(docker, tags.converted, opts.signal);
    if (!orig || !conv) return fail("the engine built the images but cannot inspect them");
    report.original.image = { id: orig.id, size: orig.size, layers: orig.layers };
    report.converted.image = { id: conv.id, size: conv.size, layers: conv.layers };
    report.sizeSavedBytes = orig.size - conv.size;
    report.sizeSavedPercent = orig.size > 0 ? (100 * (orig.size - conv.size)) / orig.size : null;

    const base = await inspectImage(docker, originalFinal.from, opts.signal);
    report.contract = compareConfigs({
      original: orig.config,
      converted: conv.config,
      originalStage: originalFinal,
      convertedStages,
      baseEnv: base?.config.Env ?? null,
      plan,
    });

    const smoke = opts.smoke ?? {};
    const track = (_kind: "container", name: string) => janitor.container(name);
    log("smoke run: original…");
    report.original.smoke = await smokeRun(
      docker,
      tags.original,
      orig.config,
      smoke,
      `${id}-original`,
      track,
      opts.signal,
      originalFinal.exposed,
    );
    log(`  original: ${report.original.smoke.summary}`);
    log("smoke run: converted…");
    report.converted.smoke = await smokeRun(
      docker,
      tags.converted,
      conv.config,
      smoke,
      `${id}-converted`,
      track,
      opts.signal,
      convertedStages.at(-1)?.exposed,
    );
    log(`  converted: ${report.converted.smoke.summary}`);
    report.behaviour = sameBehaviour(report.original.smoke, report.converted.smoke);

    if (!report.original.smoke.ok) {
      return fail(
        `could not verify: the original image fails its own smoke run (${report.original.smoke.summary})`,
        (report.original.smoke.logs ?? "").split("\n"),
      );
    }
    const contractFailures = report.contract.items.filter(isFailure);
    if (!report.behaviour.same) report.errors.push(`behaviour differs: ${report.behaviour.detail}`);
    if (!report.behaviour.same && report.converted.smoke.logs) {
      report.errors.push(...report.converted.smoke.logs.split("\n").map((l) => `  ${l}`));
    }
    for (const i of contractFailures)
      report.errors.push(`contract: ${i.field} ${i.status}: ${i.detail}`);
    const ok = report.behaviour.same && contractFailures.length === 0;
    report.verdict = ok ? "verified" : "differs";
    report.exitCode = ok ? 0 : 1;
    return report;
  } catch (e) {
    if ((e as Error).name === "AbortError") {
      report.errors.push("interrupted; temporary containers and images removed");
      return report;
    }
    return fail(`verification failed: ${(e as Error).message}`);
  } finally {
    await janitor.clean();
  }
}
