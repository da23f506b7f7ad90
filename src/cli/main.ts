// The CLI: a thin shell over the library (src/index.ts).
import { Command, InvalidArgumentError, Option } from "commander";
import { FORMATS, runConvert, type ConvertCliOptions } from "./commands/convert.js";
import { registerPr } from "./commands/pr.js";
import { registerVerify } from "./commands/verify.js";
import type { Streams } from "./output.js";
import { VERSION } from "../version.js";

const EXAMPLES = `
Examples:
  $ msb-migrate --dry-run Dockerfile          show the patch (stdout) and every decision (stderr)
  $ msb-migrate --dry-run Dockerfile | git apply
  $ msb-migrate services/                     convert every Dockerfile below services/ in place
  $ msb-migrate --check .                     exit 1 when a file would change (for CI)
  $ msb-migrate --json . > report.json        one JSON report for machines
  $ msb-migrate --format sarif . > msb.sarif  SARIF 2.1.0 for code scanning
  $ cat Dockerfile | msb-migrate - > Dockerfile.new
  $ msb-migrate verify Dockerfile --context .  build both images and compare them

Exit codes: 0 done, 1 --check found work, 2 a file errored or bad usage.
`;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number >= 0");
  return n;
}

export function buildProgram(io: Streams, setExit: (code: number) => void): Command {
  const program = new Command("msb-migrate");
  program
    .description(
      "Turn single-stage Dockerfiles into multi-stage builds (builder + minimal runtime)",
    )
    .version(VERSION)
    .argument("[paths...]", "Dockerfiles, directories to search, or - for stdin")
    .option("--dry-run", "print the patch on stdout and the explanation on stderr; write nothing")
    .option("--check", "write nothing; exit 1 when any file would change")
    .option("--json", "one JSON report on stdout; write nothing (same as --format json)")
    .addOption(
      new Option(
        "--format <format>",
        "text (default), json, or sarif (SARIF 2.1.0 for code scanning); json and sarif write nothing",
      ).choices(FORMATS),
    )
    .option("--runtime-image <image>", "override the runtime base image")
    .option("--builder-name <name>", "name of the builder stage", "builder")
    .option("--config <file>", "mappings and policy (YAML or JSON)")
    .addOption(
      new Option("--max-size <bytes>", "skip files larger than this").argParser(positiveInt),
    )
    .addOption(
      new Option(
        "--timeout-ms <ms>",
        "per-file time bound, else skipped (0: none; default 20000 for files over 64 KiB)",
      ).argParser(nonNegativeInt),
    )
    .option("--exclude <glob...>", "skip files matching these globs when searching directories")
    .addOption(
      new Option(
        "--jobs <n>",
        "worker threads converting at once (default: cores - 1; 1: in this thread)",
      ).argParser(positiveInt),
    )
    .option(
      "--report <file>",
      "write a report of the run: Markdown, or JSON when FILE ends in .json",
    )
    .option("--no-gitignore", "also convert files that .gitignore excludes")
    .option(
      "--context <dir>",
      "build context for every file (default: each Dockerfile's folder; stdin: none)",
    )
    .option(
      "--cache-mounts",
      "add BuildKit cache mounts to the dependency steps put before the sources",
    )
    .addHelpText("after", EXAMPLES)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .action(async (paths: string[], opts: ConvertCliOptions) => {
      if (paths.length === 0) {
        io.stderr.write("msb-migrate: give a Dockerfile, a directory or - (see --help)\n");
        setExit(2);
        return;
      }
      setExit(await runConvert(paths, opts, io));
    });
  registerVerify(program, io, setExit);
  registerPr(program, setExit);
  return program;
}

export async function main(argv: string[], io: Streams): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    const e = error as { code?: string; exitCode?: number };
    if (
      e.code === "commander.helpDisplayed" ||
      e.code === "commander.version" ||
      e.code === "commander.help"
    )
      return 0;
    if (e.code?.startsWith("commander.")) return 2;
    io.stderr.write(`msb-migrate: ${(error as Error).message}\n`);
    return 2;
  }
  return code;
}

/** Run as the program: real streams, exit code on the process. */
export async function runCli(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  });
}

// `tsx src/cli/main.ts` (npm start) runs it directly; bin/msb-migrate.js calls runCli().
if (process.argv[1] && /cli\/main\.ts$/.test(process.argv[1])) await runCli();
