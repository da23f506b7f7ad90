import { spawn } from "node:child_process";

export interface ExecResult {
  /** Exit code, null when the process was killed or could not start. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the program could not be started (ENOENT, EACCES…). */
  spawnError?: NodeJS.ErrnoException;
  seconds: number;
}

export interface ExecOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Keep at most this many characters of each stream (the tail). Build logs can be large. */
  maxChars?: number;
}

/** Runs a program with an argument array (never a shell string) and collects its output. */
export function execArgs(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const max = opts.maxChars ?? 1_000_000;
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortError());
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const keep = (buf: string, chunk: Buffer) => {
      const next = buf + chunk.toString("utf8");
      return next.length > max ? next.slice(next.length - max) : next;
    };
    child.stdout.on("data", (c: Buffer) => (stdout = keep(stdout, c)));
    child.stderr.on("data", (c: Buffer) => (stderr = keep(stderr, c)));
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, opts.timeoutMs);
    // SIGKILL: `docker run` forwards SIGTERM to the container, whose PID 1 may ignore it; the
    // caller removes the container itself, and BuildKit cancels a build whose client is gone.
    const onAbort = () => child.kill("SIGKILL");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (r: Omit<ExecResult, "seconds" | "stdout" | "stderr" | "timedOut">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (opts.signal?.aborted) return reject(abortError());
      const seconds = Math.round(performance.now() - t0) / 1000;
      resolve({ ...r, stdout, stderr, timedOut, seconds });
    };
    child.on("error", (err: NodeJS.ErrnoException) => finish({ code: null, spawnError: err }));
    child.on("close", (code) => finish({ code }));
  });
}

export function abortError(): Error {
  const e = new Error("interrupted");
  e.name = "AbortError";
  return e;
}
