// `msb-migrate pr`: per repository, clone (or use the checkout), convert, commit, push, open or
// update the PR/MR, record the outcome. One repository's failure never stops the others.
import { contextFor } from "../io/context.js";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pLimit from "p-limit";
import { findDockerfiles } from "../bulk/index.js";
import { readDockerfile } from "../io/read.js";
import { convert } from "../index.js";
import type { ConvertOptions, ConvertResult } from "../types.js";
import {
  commitMessage,
  defaultBody,
  defaultTitle,
  renderTemplate,
  templateVars,
  type BodyContext,
  type FileEntry,
  type SizeRow,
} from "./body.js";
import {
  branchIsOurs,
  commitFiles,
  diffStat,
  fetchBranch,
  hasIdentity,
  isCheckout,
  makeGit,
  pushBranch,
  remoteBranchSha,
  remoteDefaultBranch,
  treeOf,
  type GitIdentity,
} from "./git.js";
import type { Host, PrInput, PullRequest } from "./host.js";
import { defaultRetryPolicy } from "./ratelimit.js";
import { errorText, redact } from "./redact.js";
import { loadOrgRepos, loadRepos, sourceKind, type RepoSpec } from "./repos.js";
import { createPrSafely } from "./retry.js";
import { formatShard, selectShard, type Shard } from "./shard.js";
import { readState, StateWriter, type RepoRecord, type StateFile } from "./state.js";
import { loadVerify, type VerifyFn } from "./verify.js";

export interface PrOptions {
  /** --repos FILE|DIR */
  repos?: string;
  /** --org (GitHub) / --group (GitLab) */
  org?: string;
  /** null: no code host; branches can be pushed but no PR is opened. */
  host: Host | null;
  branch: string;
  base?: string;
  dryRun: boolean;
  push: boolean;
  openPr: boolean;
  draft: boolean;
  labels: string[];
  reviewers: string[];
  assignees: string[];
  /** Template text (not a path) for the title / body. */
  titleTemplate?: string;
  bodyTemplate?: string;
  conflictStrategy: "skip" | "replace";
  jobs: number;
  /** Minimum time between two PR creations, across jobs. */
  prIntervalMs: number;
  /** Path of an earlier state file: rerun only its failed repositories. */
  onlyFailed?: string;
  /** --shard K/N: this run's share of the repositories (src/pr/shard.ts). */
  shard?: Shard;
  /** Where to keep the state of this run (null: nowhere). */
  stateFile: string | null;
  verify: boolean;
  author?: GitIdentity;
  committer?: GitIdentity;
  exclude?: string[];
  convertOptions?: ConvertOptions;
  /** Each line is redacted before it gets here. */
  log: (line: string) => void;
  /** Injected for tests: pacing waits. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for unit tests only; the end-to-end tests use the real engine. */
  convert?: typeof convert;
  /** Injected for tests: replace the verify library. */
  verifyFn?: VerifyFn;
}

export interface PrRunResult {
  records: RepoRecord[];
  state: StateFile;
}

/** Serialises PR creation so two PRs are at least `intervalMs` apart, whatever the job count. */
export function createPacer(
  intervalMs: number,
  sleep: (ms: number) => Promise<void>,
  now = () => Date.now(),
) {
  let next = 0;
  return async () => {
    const t = now();
    const wait = next - t;
    next = Math.max(t, next) + intervalMs;
    if (wait > 0) await sleep(wait);
  };
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function resolveRepos(opts: PrOptions): Promise<RepoSpec[]> {
  const kind = opts.host?.kind ?? null;
  let specs: RepoSpec[] | null = null;
  if (opts.repos) specs = await loadRepos(opts.repos, kind);
  else if (opts.org) {
    if (!opts.host) throw new Error("--org/--group needs --github or --gitlab");
    specs = await loadOrgRepos(opts.host, opts.org);
  }
  if (opts.onlyFailed) {
    const prev = await readState(opts.onlyFailed);
    const failed = Object.values(prev.repos).filter((r) => r.status === "failed");
    if (specs) {
      const keep = new Set(failed.flatMap((r) => [r.source, r.slug].filter(Boolean) as string[]));
      specs = specs.filter((s) => keep.has(s.source) || (s.slug !== undefined && keep.has(s.slug)));
    } else {
      specs = failed.map((r) => ({
        name: r.repo,
        source: r.source,
        kind: sourceKind(r.source),
        slug: r.slug,
      }));
    }
  }
  if (!specs)
    throw new Error("nothing to do: give --repos FILE|DIR, --org/--group, or --only-failed STATE");
  return specs;
}

interface Workspace {
  dir: string;
  git: ReturnType<typeof makeGit>;
  /** Ref of the base in this workspace (origin/<base>). */
  baseRef: string;
  cleanup: () => Promise<void>;
}

/** A temporary clone, or a temporary worktree of a local checkout, detached at origin/<base>. */
async function openWorkspace(
  spec: RepoSpec,
  host: Host | null,
  base: string | undefined,
  tmpRoot: string,
  opts: PrOptions,
): Promise<{ ws: Workspace; base: string }> {
  const dir = await mkdtemp(path.join(tmpRoot, "repo-"));
  const auth = host && spec.kind === "url" ? host.gitConfig(spec.source) : {};
  const genv = { config: auth, author: opts.author, committer: opts.committer ?? opts.author };
  if (spec.kind === "url") {
    const git = makeGit(dir, genv);
    await git.raw(["clone", "--quiet", "--no-tags", "--", spec.source, dir]);
    const b = base ?? (await remoteDefaultBranch(git));
    if (!b) throw new Error("cannot tell the default branch; pass --base");
    if (!(await remoteBranchSha(git, b)))
      throw new Error(`base branch '${b}' not found on the remote`);
    await git.raw(["checkout", "--quiet", "--detach", `origin/${b}`]);
    return {
      ws: {
        dir,
        git,
        baseRef: `origin/${b}`,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      },
      base: b,
    };
  }
  if (!isCheckout(spec.source)) throw new Error(`not a git checkout: ${spec.source}`);
  const outer = makeGit(spec.source, genv);
  const remotes = await outer.getRemotes();
  if (!remotes.some((r) => r.name === "origin"))
    throw new Error("the checkout has no 'origin' remote to push to");
  const b = base ?? (await remoteDefaultBranch(outer));
  if (!b) throw new Error("cannot tell the default branch; pass --base");
  if (!(await remoteBranchSha(outer, b)))
    throw new Error(`base branch '${b}' not found on the remote`);
  await fetchBranch(outer, b);
  // A worktree leaves the user's own working tree and branches as they were.
  await outer.raw(["worktree", "add", "--quiet", "--detach", dir, `origin/${b}`]);
  const git = makeGit(dir, genv);
  const cleanup = async () => {
    await outer.raw(["worktree", "remove", "--force", dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await outer.raw(["worktree", "prune"]).catch(() => undefined);
  };
  return { ws: { dir, git, baseRef: `origin/${b}`, cleanup }, base: b };
}

/** git's error output without its progress noise ("To <url>", hints, "failed to push some refs"). */
function gitErrorText(e: unknown): string {
  const text = errorText(e);
  const parts = text
    .split(" | ")
    .filter((l) => !/^(To |hint:|error: failed to push some refs)/.test(l));
  return parts.length ? parts.join(" | ") : text;
}

/** Converts one file of a repository; errors become entries, never exceptions. */
async function convertOne(
  abs: string,
  rel: string,
  convertOptions: ConvertOptions | undefined,
  conv: typeof convert,
): Promise<{ entry: FileEntry; result: ConvertResult | null; text: string | null }> {
  try {
    // The CLI's reader: refuses binary, UTF-16 and oversized files with one clear sentence.
    const text = (await readDockerfile(abs)).text;
    // The repository-relative path names the file in the patch header.
    // The build context: the Dockerfile's folder in the checkout, as a build there would have it.
    const context = convertOptions?.context ?? contextFor(abs, "auto");
    const result = conv(text, { ...convertOptions, path: rel, ...(context ? { context } : {}) });
    const reasons = result.reasons.map((r) => r.message);
    return { entry: { path: rel, decision: result.decision, reasons, result }, result, text };
  } catch (e) {
    return {
      entry: { path: rel, decision: "error", reasons: [errorText(e)], result: null },
      result: null,
      text: null,
    };
  }
}

async function processRepo(
  spec: RepoSpec,
  opts: PrOptions,
  tmpRoot: string,
  pace: () => Promise<void>,
  verifyFn: VerifyFn | null,
): Promise<RepoRecord> {
  const log = (m: string) => opts.log(redact(`${spec.name}: ${m}`));
  const rec: RepoRecord = {
    repo: spec.name,
    source: spec.source,
    slug: spec.slug,
    status: "failed",
    action: "",
    branch: opts.branch,
    files: [],
    updatedAt: "",
  };
  const host = opts.host;
  const willPush = !opts.dryRun && (opts.push || opts.openPr);
  const willOpen = !opts.dryRun && opts.openPr && !!host;
  let ws: Workspace | null = null;
  try {
    if (spec.archived) {
      rec.status = "skipped";
      rec.reason = "archived";
      rec.action = "skipped: archived";
      log("skipped: archived");
      return rec;
    }
    if (opts.openPr && host && !spec.slug) {
      throw new Error(
        `cannot tell the ${host.name} repository of ${spec.source}; add "owner/name" after it in the repos file`,
      );
    }
    const info = host && spec.slug ? await host.getRepo(spec.slug) : null;
    if (info?.archived) {
      rec.status = "skipped";
      rec.reason = "archived";
      rec.action = "skipped: archived";
      log("skipped: archived");
      return rec;
    }
    const opened = await openWorkspace(
      spec,
      host,
      opts.base ?? info?.defaultBranch ?? spec.defaultBranch,
      tmpRoot,
      opts,
    );
    ws = opened.ws;
    const base = opened.base;
    rec.base = base;
    // Safety: the tool's branch is never the base or the default branch.
    const defaultBranch =
      info?.defaultBranch ?? spec.defaultBranch ?? (await remoteDefaultBranch(ws.git));
    if (opts.branch === base || opts.branch === defaultBranch) {
      throw new Error(`refusing to use branch '${opts.branch}': it is the base/default branch`);
    }

    // Convert every Dockerfile, relative paths for messages.
    const files = await findDockerfiles([ws.dir], { exclude: opts.exclude });
    const entries: FileEntry[] = [];
    const sizes: SizeRow[] = [];
    const changed: string[] = [];
    for (const abs of files) {
      const rel = path.relative(ws.dir, abs).split(path.sep).join("/");
      const { entry, result, text } = await convertOne(
        abs,
        rel,
        opts.convertOptions,
        opts.convert ?? convert,
      );
      entries.push(entry);
      if (result && text !== null && entry.decision === "converted" && result.output !== text) {
        if (verifyFn) {
          try {
            sizes.push({ ...(await verifyFn(abs, result.output, path.dirname(abs))), path: rel });
          } catch (e) {
            sizes.push({ path: rel, note: `verify failed: ${errorText(e)}` });
          }
        }
        // The engine's output is exact (line endings, BOM): write it as is.
        await writeFile(abs, result.output, "utf8");
        changed.push(rel);
      }
    }
    rec.files = entries.map((e) => ({ path: e.path, decision: e.decision, reasons: e.reasons }));
    if (!changed.length) {
      rec.status = "unchanged";
      rec.reason = files.length
        ? `nothing converted: ${entries.map((e) => `${e.path} ${e.decision}${e.reasons[0] ? ` (${e.reasons[0]})` : ""}`).join("; ")}`
        : "no Dockerfile found";
      rec.action = "nothing to convert: no branch, no PR";
      log(`unchanged (${rec.reason})`);
      return rec;
    }

    const ctx: BodyContext = {
      repo: spec.slug ?? spec.name,
      branch: opts.branch,
      base,
      files: entries,
      diffStat: "",
      sizes: opts.verify ? (verifyFn ? sizes : null) : null,
    };
    // Identity: --author, else git config; a dry run that pushes nothing may do without.
    let fallback: GitIdentity | undefined;
    if (!opts.author && !(await hasIdentity(ws.git))) {
      if (willPush) {
        throw new Error(
          'no git identity for the commit: set git config user.name and user.email, or pass --author "Name <email>"',
        );
      }
      fallback = { name: "msb-migrate", email: "msb-migrate@localhost" };
    }
    const commit = await commitFiles(ws.git, changed, commitMessage(ctx), fallback);
    rec.commit = commit;
    ctx.diffStat = await diffStat(ws.git, ws.baseRef, commit);
    rec.diffStat = ctx.diffStat;
    const vars = templateVars(ctx);
    const title = opts.titleTemplate ? renderTemplate(opts.titleTemplate, vars) : defaultTitle(ctx);
    const body = opts.bodyTemplate ? renderTemplate(opts.bodyTemplate, vars) : defaultBody(ctx);
    rec.title = title;
    rec.status = "converted";

    // What is there already: the branch on the remote, an open PR for it.
    const remoteSha = await remoteBranchSha(ws.git, opts.branch);
    let ours = false;
    if (remoteSha) {
      await fetchBranch(ws.git, opts.branch);
      ours = await branchIsOurs(ws.git, ws.baseRef, remoteSha);
    }
    const found = host && spec.slug ? await host.findPr(spec.slug, opts.branch) : null;
    const existing: PullRequest | null = found?.open ? found : null;
    if (existing) rec.prUrl = existing.url;
    // A closed PR for our branch is an answer: skip never opens another one after it.
    if (found && !found.open && opts.openPr && opts.conflictStrategy === "skip") {
      rec.status = "skipped";
      rec.prUrl = found.url;
      rec.reason = `a PR for ${opts.branch} was closed; not opening another (--conflict-strategy replace would)`;
      rec.action = `${opts.dryRun ? "dry run: would skip" : "skipped"}: ${rec.reason}`;
      log(`${rec.action} ${found.url}`);
      return rec;
    }

    if (opts.dryRun || !willPush) {
      const would: string[] = [];
      if (!remoteSha) would.push(`push ${changed.length} file(s) to new branch ${opts.branch}`);
      else if (opts.conflictStrategy === "replace" && ours)
        would.push(`replace branch ${opts.branch}`);
      else
        would.push(
          `leave existing branch ${opts.branch} (${ours ? "--conflict-strategy skip" : "not created by msb-migrate"})`,
        );
      if (host) {
        if (existing)
          would.push(
            opts.conflictStrategy === "replace"
              ? `update ${existing.url}`
              : `leave ${existing.url}`,
          );
        else would.push(`open a ${host.kind === "gitlab" ? "MR" : "PR"} into ${base}`);
      }
      // Same outcome as a real run: a kept branch whose PR is missing still gets its PR.
      const wouldOpenMissing = !!host && opts.openPr && !existing;
      if (remoteSha && (!ours || (opts.conflictStrategy === "skip" && !wouldOpenMissing))) {
        rec.status = "skipped";
        rec.reason = ours
          ? `branch ${opts.branch} exists (--conflict-strategy skip)`
          : `branch ${opts.branch} exists and has commits not made by msb-migrate`;
      }
      rec.action = `${opts.dryRun ? "dry run" : "not pushed (no --push)"}: would ${would.join(", ")}`;
      rec.body = body;
      log(`${rec.action}\n${ctx.diffStat}`);
      return rec;
    }

    // Push, unless the branch is there and must be left alone.
    let branchReady = true;
    const actions: string[] = [];
    if (!remoteSha) {
      await pushBranch(ws.git, opts.branch, null);
      actions.push("pushed");
    } else if (!ours) {
      rec.status = "skipped";
      rec.reason = `branch ${opts.branch} exists and has commits not made by msb-migrate; not touching it`;
      branchReady = false;
    } else if (opts.conflictStrategy === "replace") {
      if ((await treeOf(ws.git, commit)) === (await treeOf(ws.git, remoteSha))) {
        rec.commit = remoteSha;
        actions.push("branch up to date");
      } else {
        await pushBranch(ws.git, opts.branch, remoteSha);
        actions.push("branch replaced");
      }
    } else {
      // skip: keep the branch as it is; a PR may still be missing from an earlier failed run.
      rec.commit = remoteSha;
      rec.status = "skipped";
      rec.reason = `branch ${opts.branch} exists (--conflict-strategy skip)`;
    }

    if (willOpen && host && spec.slug && branchReady) {
      const input: PrInput = {
        slug: spec.slug,
        head: opts.branch,
        base,
        title,
        body,
        draft: opts.draft,
        labels: opts.labels,
        reviewers: opts.reviewers,
        assignees: opts.assignees,
      };
      if (existing) {
        if (opts.conflictStrategy === "replace") {
          rec.prUrl = (await host.updatePr(existing, input)).url;
          actions.push("PR updated");
        } else {
          actions.push("PR exists");
        }
      } else {
        await pace();
        // Faults and rate limits never open a second PR: a retry looks for the first one.
        const retry = { ...defaultRetryPolicy, sleep: opts.sleep ?? sleepReal, log };
        const pr = await createPrSafely(host, input, retry);
        rec.prUrl = pr.url;
        actions.push(pr.recovered ? "PR created (found after a fault)" : "PR created");
        // The branch was kept but its PR was missing: opening it completes the earlier run.
        if (rec.status === "skipped" && ours) {
          rec.status = "converted";
          rec.reason = undefined;
        }
      }
    }
    rec.action = actions.length ? actions.join(", ") : `skipped: ${rec.reason}`;
    log(`${rec.status}: ${rec.action}${rec.prUrl ? ` ${rec.prUrl}` : ""}`);
    return rec;
  } catch (e) {
    rec.status = "failed";
    // A commit that never reached the remote means nothing to anyone reading the state.
    rec.commit = undefined;
    rec.error = gitErrorText(e);
    rec.action = "failed";
    log(`failed: ${rec.error}`);
    return rec;
  } finally {
    rec.updatedAt = new Date().toISOString();
    if (ws) await ws.cleanup().catch(() => undefined);
  }
}

export async function runPr(opts: PrOptions): Promise<PrRunResult> {
  if (opts.openPr && !opts.host) throw new Error("--open-pr needs --github or --gitlab");
  let specs = await resolveRepos(opts);
  if (opts.shard) {
    const all = specs.length;
    specs = selectShard(specs, opts.shard);
    opts.log(`shard ${formatShard(opts.shard)}: ${specs.length} of ${all} repositories`);
  }
  let verifyFn: VerifyFn | null = opts.verifyFn ?? null;
  if (opts.verify && !verifyFn) {
    const v = await loadVerify();
    if (typeof v === "function") verifyFn = v;
    else opts.log(`${v.unavailable}; continuing without sizes`);
  }
  // Keep records of repositories outside this run (an --only-failed rerun updates in place).
  let initial: StateFile | undefined;
  if (opts.stateFile) initial = await readState(opts.stateFile).catch(() => undefined);
  const writer = new StateWriter(opts.stateFile, initial);
  if (opts.shard) writer.state.shard = formatShard(opts.shard);
  const pace = createPacer(opts.prIntervalMs, opts.sleep ?? sleepReal);
  const tmpRoot = await mkdtemp(path.join(os.tmpdir(), "msb-migrate-pr-"));
  const limit = pLimit(Math.max(1, opts.jobs));
  try {
    const records = await Promise.all(
      specs.map((spec) =>
        limit(async () => {
          const rec = await processRepo(spec, opts, tmpRoot, pace, verifyFn);
          await writer.record(rec);
          return rec;
        }),
      ),
    );
    await writer.flush();
    return { records, state: writer.state };
  } finally {
    await rm(tmpRoot, { recursive: true, force: true });
  }
}
