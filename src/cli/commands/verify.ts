import { readFile } from "node:fs/promises";
import { Command, InvalidArgumentError } from "commander";
import type { ConvertOptions } from "../../types.js";
import { SIGNAL_EXIT_CODE } from "../../io/cancel.js";
import { isMemorySize } from "../../verify/limits.js";
import type { Streams } from "../output.js";

// The verify library (child processes, HTTP probes) loads only when `verify` runs: the main
// command starts without it.

const processStreams: Streams = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
};

interface VerifyFlags {
  context?: string;
  converted?: string;
  docker?: string;
  json?: boolean;
  http?: string;
  smoke?: string;
  timeout?: number;
  cache: boolean;
  runtimeImage?: string;
  resolve?: boolean;
  memory?: string;
  pids?: number;
}

/** --memory: docker's size syntax, checked here so a typo is a usage error, not a build. */
export function memorySize(value: string): string {
  if (!isMemorySize(value)) throw new InvalidArgumentError("expected a size such as 512m or 1g");
  return value;
}

export function processCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a whole number > 0");
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number of seconds");
  return n;
}

/**
 * Registers `msb-migrate verify`: real builds of the original and the converted Dockerfile.
 * `setExit` receives 0 verified, 1 differs, 2 could not verify (main() must pass its own, or the
 * code it returns overwrites process.exitCode).
 */
export function registerVerify(
  program: Command,
  io: Streams = processStreams,
  setExit: (code: number) => void = (code) => (process.exitCode = code),
): void {
  program
    .command("verify")
    .description(
      "build the original and the converted Dockerfile with a local engine and compare size, config and behaviour",
    )
    .argument("<Dockerfile>", "the single-stage Dockerfile to convert and verify")
    .option("--context <dir>", "build context (default: the Dockerfile's directory)")
    .option("--converted <file>", "verify this converted Dockerfile instead of converting")
    .option("--docker <path>", "docker client (default: $DOCKER, else /usr/bin/docker)")
    .option(
      "--http <path>",
      "for images that EXPOSE a port: GET this path instead of a TCP connect",
    )
    .option(
      "--smoke <args>",
      "run these arguments instead of the image's command (quoted like a shell)",
    )
    .option("--timeout <seconds>", "smoke run timeout", seconds)
    .option(
      "--memory <size>",
      "memory of each smoke-run container, swap included (same for both images; default 512m)",
      memorySize,
    )
    .option(
      "--pids <n>",
      "processes each smoke-run container may run at once (same for both; default 256)",
      processCount,
    )
    .option("--runtime-image <ref>", "runtime base image for the conversion")
    .option("--no-cache", "build without BuildKit's cache")
    .option(
      "--resolve",
      "convert from what the built builder stage really holds (see msb-migrate --resolve)",
    )
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      "\nSmoke runs are bounded: memory (no swap) and process limits, no new privileges, the\n" +
        "timeout; the original and the converted image get the same bounds.\n" +
        "\nExit status: 0 verified, 1 behaviour or contract differs, 2 could not verify (no engine, build failed).",
    )
    .action(async (file: string, flags: VerifyFlags) => {
      setExit(await runVerify(file, flags, io));
    });
}

async function runVerify(file: string, flags: VerifyFlags, io: Streams): Promise<number> {
  let convertedText: string | undefined;
  let smokeArgs: string[] | undefined;
  try {
    if (flags.converted) convertedText = await readFile(flags.converted, "utf8");
    await readFile(file, "utf8");
    if (flags.smoke !== undefined) {
      const { shellWords } = await import("../../verify/dockerfile-info.js");
      smokeArgs = shellWords(flags.smoke);
    }
  } catch (e) {
    io.stderr.write(`msb-migrate verify: ${(e as Error).message}\n`);
    return 2;
  }

  const abort = new AbortController();
  // 130 for SIGINT, 143 for SIGTERM (128 + the signal's number), as the other commands.
  let interrupted: number | null = null;
  const onSignal = (code: number) => {
    if (interrupted) process.exit(interrupted); // a second signal: give up on cleanup
    interrupted = code;
    io.stderr.write("interrupted: removing temporary containers and images…\n");
    abort.abort();
  };
  const onSigint = () => onSignal(SIGNAL_EXIT_CODE.SIGINT);
  const onSigterm = () => onSignal(SIGNAL_EXIT_CODE.SIGTERM);
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  try {
    const { formatReport, verifyDockerfile } = await import("../../verify/index.js");
    const convertOptions: ConvertOptions = flags.runtimeImage
      ? { runtimeImage: flags.runtimeImage }
      : {};
    // --resolve: the builder is built and inspected first; its facts steer the conversion.
    if (flags.resolve && convertedText === undefined) {
      const { resolveDockerfile } = await import("../../resolve/index.js");
      const resolved = await resolveDockerfile({
        dockerfile: file,
        context: flags.context,
        convertOptions,
        docker: flags.docker,
        signal: abort.signal,
        log: flags.json ? undefined : (line) => io.stderr.write(`${line}\n`),
      });
      if (resolved.observed) convertOptions.observed = resolved.observed;
      else if (!flags.json)
        io.stderr.write(`resolve: ${resolved.fallback}; verifying the static conversion\n`);
    }
    const report = await verifyDockerfile({
      dockerfile: file,
      context: flags.context,
      convertedText,
      convertOptions,
      docker: flags.docker,
      smoke: {
        args: smokeArgs,
        http: flags.http,
        timeoutSec: flags.timeout,
        limits: {
          ...(flags.memory ? { memory: flags.memory } : {}),
          ...(flags.pids ? { pids: flags.pids } : {}),
        },
      },
      noCache: !flags.cache,
      signal: abort.signal,
      log: flags.json ? undefined : (line) => io.stderr.write(`${line}\n`),
    });
    if (interrupted) return interrupted;
    if (!flags.json && report.original === null) {
      // Nothing was built (no engine, converter refused…): the error alone says it all.
      io.stderr.write(`msb-migrate verify: ${report.errors.join("\n")}\n`);
      return report.exitCode;
    }
    io.stdout.write(
      flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`,
    );
    return report.exitCode;
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigterm);
  }
}
