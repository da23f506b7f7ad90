// Git plumbing for `pr`, through simple-git. Work happens in a temporary clone (or a temporary
// worktree of a local checkout) with HEAD detached at the base, so no local branch of the user's
// is touched; pushes name the remote ref explicitly.
import { existsSync } from "node:fs";
import path from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";

export interface GitIdentity {
  name: string;
  email: string;
}

export interface GitEnv {
  /** Extra git config passed through GIT_CONFIG_* (auth headers): never on the command line. */
  config?: Record<string, string>;
  author?: GitIdentity;
  committer?: GitIdentity;
}

/** The trailer that marks commits (and so branches) made by this tool. */
export const TRAILER_KEY = "Generated-by";
export const TRAILER_VALUE = "msb-migrate";

/** "Name <email>" → identity; throws a one-line error otherwise. */
export function parseIdentity(text: string): GitIdentity {
  const m = /^\s*(.+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (!m) throw new Error(`expected "Name <email>", got: ${text}`);
  return { name: m[1]!, email: m[2]! };
}

const PASS_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "TMPDIR",
  "LANG",
  "LC_ALL",
  "XDG_CONFIG_HOME",
  "SSH_AUTH_SOCK",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "SYSTEMROOT",
];

/** `signal`: once aborted, git commands running are stopped (SIGINT) and new ones refused. */
export function makeGit(dir: string, genv: GitEnv = {}, signal?: AbortSignal): SimpleGit {
  // A small allow-list of the ambient environment: enough for git to find itself, the user's
  // config (identity) and proxies; nothing that could run programs (EDITOR, PAGER, GIT_*).
  const env: Record<string, string> = {};
  for (const k of PASS_ENV) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  // Never wait for a password prompt in a batch run.
  env.GIT_TERMINAL_PROMPT = "0";
  const cfg = Object.entries(genv.config ?? {});
  if (cfg.length) {
    env.GIT_CONFIG_COUNT = String(cfg.length);
    cfg.forEach(([k, v], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = k;
      env[`GIT_CONFIG_VALUE_${i}`] = v;
    });
  }
  if (genv.author) {
    env.GIT_AUTHOR_NAME = genv.author.name;
    env.GIT_AUTHOR_EMAIL = genv.author.email;
  }
  if (genv.committer) {
    env.GIT_COMMITTER_NAME = genv.committer.name;
    env.GIT_COMMITTER_EMAIL = genv.committer.email;
  }
  const allow = Object.keys(env).filter((k) => k.startsWith("GIT_"));
  return simpleGit({
    baseDir: dir,
    allowEnvironment: allow,
    unsafe: { allowUnsafeConfigEnvCount: true },
    ...(signal ? { abort: signal } : {}),
  }).env(env);
}

export function isCheckout(dir: string): boolean {
  return existsSync(path.join(dir, ".git"));
}

/** The remote's default branch (its HEAD), or null when it cannot tell. */
export async function remoteDefaultBranch(
  git: SimpleGit,
  remote = "origin",
): Promise<string | null> {
  const out = await git.raw(["ls-remote", "--symref", remote, "HEAD"]);
  const m = /^ref: refs\/heads\/(\S+)\s+HEAD/m.exec(out);
  return m ? m[1]! : null;
}

/** Commit id of refs/heads/<branch> on the remote, or null when absent. */
export async function remoteBranchSha(
  git: SimpleGit,
  branch: string,
  remote = "origin",
): Promise<string | null> {
  const out = await git.raw(["ls-remote", "--heads", remote, `refs/heads/${branch}`]);
  const line = out.split("\n").find((l) => l.endsWith(`\trefs/heads/${branch}`));
  return line ? line.split("\t")[0]! : null;
}

export async function fetchBranch(
  git: SimpleGit,
  branch: string,
  remote = "origin",
): Promise<void> {
  await git.raw([
    "fetch",
    "--quiet",
    "--no-tags",
    remote,
    `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`,
  ]);
}

/**
 * True when every commit on `tip` that is not on `base` carries our trailer: then the branch is
 * ours to replace. A branch with no own commits, or with anybody else's commit, is not.
 */
export async function branchIsOurs(git: SimpleGit, baseRef: string, tip: string): Promise<boolean> {
  const out = await git.raw([
    "log",
    `--format=%H %(trailers:key=${TRAILER_KEY},valueonly,separator=%x2C)`,
    `${baseRef}..${tip}`,
  ]);
  const lines = out.split("\n").filter((l) => l.trim());
  if (!lines.length) return false;
  return lines.every((l) =>
    l
      .slice(41)
      .split(",")
      .map((s) => s.trim())
      .includes(TRAILER_VALUE),
  );
}

export async function treeOf(git: SimpleGit, rev: string): Promise<string> {
  return (await git.raw(["rev-parse", `${rev}^{tree}`])).trim();
}

/** Stages `files` (relative to the work tree) and commits; returns the new commit id. */
export async function commitFiles(
  git: SimpleGit,
  files: string[],
  message: string,
  fallback?: GitIdentity,
): Promise<string> {
  await git.raw(["add", "--", ...files]);
  const id = fallback
    ? ["-c", `user.name=${fallback.name}`, "-c", `user.email=${fallback.email}`]
    : [];
  // --no-verify: a batch run cannot satisfy arbitrary local hooks; the server still checks.
  await git.raw([...id, "commit", "--quiet", "--no-verify", "-m", message]);
  return (await git.raw(["rev-parse", "HEAD"])).trim();
}

/** True when git has a committer identity (config or environment) in this work tree. */
export async function hasIdentity(git: SimpleGit): Promise<boolean> {
  try {
    await git.raw(["var", "GIT_COMMITTER_IDENT"]);
    return true;
  } catch {
    return false;
  }
}

export async function diffStat(git: SimpleGit, from: string, to = "HEAD"): Promise<string> {
  return (await git.raw(["diff", "--stat=100", from, to])).trimEnd();
}

/**
 * Pushes HEAD to refs/heads/<branch>. With `lease`, replaces the branch only if it still points
 * at that commit (never a blind force-push).
 */
export async function pushBranch(
  git: SimpleGit,
  branch: string,
  lease: string | null,
  remote = "origin",
): Promise<void> {
  const args = ["push", "--quiet", "--no-verify", remote, `HEAD:refs/heads/${branch}`];
  if (lease) args.push(`--force-with-lease=refs/heads/${branch}:${lease}`);
  await git.raw(args);
}
