// Spawns the real CLI and signals it part-way: once its stderr shows that work has started (a
// number of status lines, say), the signal is sent. No clocks: it waits on what the process printed.
import { spawn } from "node:child_process";
import { chmodSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers.js";
import { tempDir } from "../tmp.js";

export interface SignalledRun {
  pid: number;
  code: number | null;
  /** Set when the process was ended by a signal it did not handle. */
  killedBy: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the trigger was met and the signal sent (else the run ended first). */
  signalled: boolean;
}

export interface SignalPlan {
  /** Sends the signal once this is true of the stderr so far. */
  when: (stderr: string) => boolean;
  /** Or once this is true of the file system (looked at every 20 ms: work in progress, say). */
  whenOnDisk?: () => boolean;
  signal: NodeJS.Signals;
  /**
   * A second signal, sent right after the first: a different one, since the kernel merges a
   * signal sent while the same one is still pending.
   */
  then?: NodeJS.Signals;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function runAndSignal(argv: string[], plan: SignalPlan): Promise<SignalledRun> {
  const child = spawn(process.execPath, [join(repoRoot, "bin/msb-migrate.js"), ...argv], {
    cwd: plan.cwd,
    env: { ...process.env, NO_COLOR: "1", CI: "true", ...plan.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let signalled = false;
  const send = () => {
    signalled = true;
    clearInterval(poll);
    child.kill(plan.signal);
    if (plan.then) child.kill(plan.then);
  };
  const poll = setInterval(() => {
    if (!signalled && plan.whenOnDisk?.()) send();
  }, 20);
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
    if (!signalled && plan.when(stderr)) send();
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, killedBy) => {
      clearInterval(poll);
      resolve({ pid: child.pid!, code, killedBy, stdout, stderr, signalled });
    });
  });
}

/** Lines of stderr that report a finished file (the CLI's status lines). */
export function statusLines(stderr: string): number {
  return stderr.split("\n").filter((l) => /^(converted|unchanged|skipped|error) /.test(l)).length;
}

/**
 * A TMPDIR of the child's own: whatever the run leaves in it (report spools, clones, worktrees)
 * shows. Others may use it too (tsx keeps its cache there), so only msb-* entries count.
 */
export function childTmp(): { env: NodeJS.ProcessEnv; leftovers: () => string[] } {
  const dir = tempDir("msb-child-tmp-");
  chmodSync(dir, 0o1777);
  return {
    env: { TMPDIR: dir },
    leftovers: () => readdirSync(dir).filter((n) => n.startsWith("msb-")),
  };
}

/** Every path below `dir` (dot files included) whose name is one of writeAtomic's temp files. */
export function tempFilesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.name.startsWith(".msb-tmp-")) out.push(join(e.parentPath, e.name));
  }
  return out;
}
