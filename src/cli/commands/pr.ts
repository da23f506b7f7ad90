import { readFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { defaultJobs } from "../../bulk/index.js";
import { listenForCancel, SIGNAL_EXIT_CODE } from "../../io/cancel.js";
import { GITHUB_API, GITLAB_URL, type Host } from "../../pr/host.js";
import type { RetryPolicy } from "../../pr/ratelimit.js";
import { addSecret, errorText, redact } from "../../pr/redact.js";
import { memorySize, processCount } from "./verify.js";

// git, GitHub and GitLab clients load only when `pr` runs: the main command starts without them.

interface PrCliOptions {
  repos?: string;
  github?: string | true;
  gitlab?: string | true;
  org?: string;
  group?: string;
  branch: string;
  base?: string;
  dryRun?: boolean;
  push?: boolean;
  openPr?: boolean;
  draft?: boolean;
  labels?: string;
  reviewers?: string;
  assignees?: string;
  title?: string;
  bodyFile?: string;
  conflictStrategy: "skip" | "replace";
  jobs?: string;
  prInterval: string;
  onlyFailed?: string;
  state: string;
  report?: string;
  verify?: boolean;
  resolve?: boolean;
  verifyMemory?: string;
  verifyPids?: number;
  author?: string;
  committer?: string;
  exclude?: string[];
  shard?: string;
  merge?: string[];
}

const list = (s: string | undefined) =>
  (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

function count(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    throw new Error(`${name} expects a number ≥ ${min}, got ${value}`);
  return n;
}

/** Test hook: a retry policy override for the host clients (short waits in tests). */
export const prTestHooks: {
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
} = {};

async function makeHost(o: PrCliOptions, log: (m: string) => void): Promise<Host | null> {
  if (o.github && o.gitlab) throw new Error("choose one of --github and --gitlab");
  if (o.github) {
    const token = process.env.GITHUB_TOKEN;
    addSecret(token);
    const { createGitHub } = await import("../../pr/github.js");
    return createGitHub({
      baseUrl: o.github === true ? GITHUB_API : o.github,
      token,
      log,
      retry: prTestHooks.retry,
    });
  }
  if (o.gitlab) {
    const token = process.env.GITLAB_TOKEN;
    addSecret(token);
    const { createGitLab } = await import("../../pr/gitlab.js");
    return createGitLab({
      host: o.gitlab === true ? GITLAB_URL : o.gitlab,
      token,
      log,
      retry: prTestHooks.retry,
    });
  }
  return null;
}

/** `pr --merge`: state files in, one state file (and report) out; exit 1 when a repository failed. */
async function runMerge(o: PrCliOptions, log: (line: string) => void): Promise<number> {
  if (o.repos || o.org || o.group || o.onlyFailed || o.shard) {
    throw new Error(
      "--merge takes state files only (no --repos, --org, --group, --only-failed, --shard)",
    );
  }
  const { mergeStates } = await import("../../pr/merge.js");
  const { writeState } = await import("../../pr/state.js");
  const { renderPrSummary, writePrReport } = await import("../../pr/report.js");
  const { state, notes } = await mergeStates(o.merge!);
  for (const n of notes) log(`merge: ${n}`);
  await writeState(o.state, state);
  const records = Object.values(state.repos);
  log(`merged ${o.merge!.length} state file(s), ${records.length} repositories, into ${o.state}`);
  process.stdout.write(renderPrSummary(records));
  if (o.report) await writePrReport(o.report, records);
  return records.some((r) => r.status === "failed") ? 1 : 0;
}

/** Registers `msb-migrate pr`. `setExit` reports the exit code to the CLI's main. */
export function registerPr(
  program: Command,
  setExit: (code: number) => void = (code) => {
    process.exitCode = code;
  },
): void {
  // The main command has --dry-run, --exclude, --jobs and --report too: options after `pr` must
  // reach `pr` (a --dry-run taken by the main command would let pr push).
  program.enablePositionalOptions();
  program
    .command("pr")
    .description(
      "convert Dockerfiles across many repositories and open one pull request per repository",
    )
    .option(
      "--repos <file|dir>",
      "file of local paths or clone URLs (one a line, # comments), or a directory of checkouts",
    )
    .option(
      "--github [url]",
      `open pull requests on GitHub (API URL, default ${GITHUB_API}); token from GITHUB_TOKEN`,
    )
    .option(
      "--gitlab [url]",
      `open merge requests on GitLab (instance URL, default ${GITLAB_URL}); token from GITLAB_TOKEN`,
    )
    .option("--org <name>", "list the repositories of this GitHub organisation")
    .option("--group <name>", "list the projects of this GitLab group (subgroups included)")
    .option("--branch <name>", "branch to create", "msb-migrate/multi-stage")
    .option(
      "--base <name>",
      "branch to start from and target (default: the repository's default branch)",
    )
    .option("--dry-run", "clone and convert, print what would be pushed and opened; push nothing")
    .option("--push", "push the branch")
    .option("--open-pr", "open (or update) a PR/MR; implies --push")
    .option("--draft", "open PRs as drafts")
    .option("--labels <a,b>", "labels to add")
    .option("--reviewers <x,y>", "reviewers to request")
    .option("--assignees <x,y>", "assignees")
    .option(
      "--title <template>",
      "PR title template: {{repo}} {{count}} {{branch}} {{base}} {{title}}",
    )
    .option(
      "--body-file <file>",
      "PR body template file: {{body}} {{files}} {{decisions}} {{diff}} {{diffstat}} {{sizes}} {{test}}",
    )
    .addOption(
      new Option("--conflict-strategy <strategy>", "when the branch or PR already exists")
        .choices(["skip", "replace"])
        .default("skip"),
    )
    .option("--jobs <n>", "repositories processed at once (default: cores)")
    .option("--pr-interval <seconds>", "minimum seconds between two PR creations", "3")
    .option("--only-failed <state>", "rerun the repositories that failed in this state file")
    .option("--state <file>", "state file to write", "msb-migrate-state.json")
    .option("--report <file>", "write the run report (.md or .json)")
    .option("--verify", "build both images per Dockerfile and put the size table in the PR body")
    .option(
      "--resolve",
      "build and inspect each Dockerfile's builder stage (its folder as context) and convert from what it made",
    )
    .option(
      "--verify-memory <size>",
      "with --verify: memory of each smoke-run container, swap included (default 512m)",
      memorySize,
    )
    .option(
      "--verify-pids <n>",
      "with --verify: processes each smoke-run container may run at once (default 256)",
      processCount,
    )
    .option("--author <ident>", 'commit author "Name <email>" (default: git config)')
    .option(
      "--committer <ident>",
      'committer "Name <email>" (default: the author, else git config)',
    )
    .option("--exclude <glob...>", "skip Dockerfiles matching these globs")
    .option(
      "--shard <K/N>",
      "take shard K of N of the repositories (a stable split by name); state file per shard",
    )
    .option(
      "--merge <state...>",
      "merge these state files into --state (and --report); nothing else runs",
    )
    .addHelpText(
      "after",
      "\nCtrl-C or SIGTERM stops the run between steps (exit 130/143): temporary clones and\n" +
        "worktrees are removed, and the state file marks each repository not done as failed and\n" +
        "cancelled; --only-failed STATE (or a plain rerun) resumes.",
    )
    .action(async (o: PrCliOptions, cmd: Command) => {
      const log = (line: string) => process.stderr.write(redact(line) + "\n");
      // Ctrl-C / SIGTERM: no repository starts; the one in progress stops at its next step.
      const cancel = listenForCancel({ log: (line) => log(`msb-migrate pr: ${line}`) });
      try {
        if (o.merge) {
          setExit(await runMerge(o, log));
          return;
        }
        const { parseShard, shardStateFile } = await import("../../pr/shard.js");
        const shard = o.shard ? parseShard(o.shard) : undefined;
        // Each shard keeps its own state file unless told otherwise.
        const stateFile =
          shard && cmd.getOptionValueSource("state") === "default"
            ? shardStateFile(shard)
            : o.state;
        const host = await makeHost(o, log);
        const { parseIdentity } = await import("../../pr/git.js");
        const { runPr } = await import("../../pr/run.js");
        const { renderPrSummary, writePrReport } = await import("../../pr/report.js");
        if (o.repos && (o.org || o.group))
          throw new Error("give either --repos or --org/--group, not both");
        if (o.org && o.gitlab) throw new Error("--org is for GitHub; use --group with --gitlab");
        if (o.group && o.github) throw new Error("--group is for GitLab; use --org with --github");
        if (!host && (o.openPr || o.org || o.group)) {
          throw new Error("--open-pr, --org and --group need --github or --gitlab");
        }
        const bodyTemplate = o.bodyFile ? await readFile(o.bodyFile, "utf8") : undefined;
        const { records } = await runPr({
          repos: o.repos,
          org: o.org ?? o.group,
          host,
          branch: o.branch,
          base: o.base,
          dryRun: !!o.dryRun,
          push: !!o.push || !!o.openPr,
          openPr: !!o.openPr,
          draft: !!o.draft,
          labels: list(o.labels),
          reviewers: list(o.reviewers),
          assignees: list(o.assignees),
          titleTemplate: o.title,
          bodyTemplate,
          conflictStrategy: o.conflictStrategy,
          jobs: o.jobs ? count("--jobs", o.jobs, 1) : defaultJobs(),
          prIntervalMs: count("--pr-interval", o.prInterval, 0) * 1000,
          onlyFailed: o.onlyFailed,
          shard,
          stateFile,
          verify: !!o.verify,
          resolve: !!o.resolve,
          verifyLimits: {
            ...(o.verifyMemory ? { memory: o.verifyMemory } : {}),
            ...(o.verifyPids ? { pids: o.verifyPids } : {}),
          },
          author: o.author ? parseIdentity(o.author) : undefined,
          committer: o.committer ? parseIdentity(o.committer) : undefined,
          exclude: o.exclude,
          log,
          sleep: prTestHooks.sleep,
          signal: cancel.signal,
        });
        if (!o.dryRun && !o.push && !o.openPr) {
          log("nothing was pushed: pass --push to push branches, --open-pr to open pull requests");
        }
        process.stdout.write(renderPrSummary(records));
        if (o.report) await writePrReport(o.report, records);
        setExit(records.some((r) => r.status === "failed") ? 1 : 0);
        if (cancel.received) {
          const left = records.filter((r) => r.cancelled).length;
          log(
            `msb-migrate pr: cancelled: ${left} repositor${left === 1 ? "y" : "ies"} not done (recorded in ${stateFile ?? "no state file"}); ` +
              `rerun, or pass --only-failed ${stateFile ?? "STATE"}, to resume`,
          );
          setExit(SIGNAL_EXIT_CODE[cancel.received]);
        }
      } catch (e) {
        process.stderr.write(`msb-migrate pr: ${errorText(e)}\n`);
        setExit(cancel.received ? SIGNAL_EXIT_CODE[cancel.received] : 2);
      } finally {
        cancel.dispose();
      }
    });
}
