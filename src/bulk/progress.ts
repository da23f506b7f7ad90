// Progress for bulk runs: a redrawn bar on a terminal, one plain line per file otherwise (CI, pipes).
import type { BulkEvent } from "./run.js";

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Force plain lines (CI=true does the same). */
  plain?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function wantsBar(stream: ProgressStream, options: ProgressOptions = {}): boolean {
  const env = options.env ?? process.env;
  const ci = !!env.CI && env.CI !== "0" && env.CI !== "false";
  return !options.plain && !!stream.isTTY && !ci && env.TERM !== "dumb";
}

/** Returns an event handler for runBulk that draws progress on `stream` (stderr, usually). */
export function createProgress(stream: ProgressStream, options: ProgressOptions = {}) {
  const bar = wantsBar(stream, options);
  return (e: BulkEvent): void => {
    if (e.type === "stale") return; // the caller says what it did with them
    if (e.type === "start") {
      if (!bar) stream.write(`${e.total} Dockerfile(s) found\n`);
      return;
    }
    if (e.type === "file") {
      const o = e.outcome;
      if (!bar) {
        const why = o.error ?? o.reasons[0]?.message ?? "";
        stream.write(`[${e.done}/${e.total}] ${o.decision} ${o.path}${why ? ` (${why})` : ""}\n`);
        return;
      }
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 40));
      const filled = e.total ? Math.round((e.done / e.total) * width) : width;
      const name = o.path.length > 30 ? `…${o.path.slice(-29)}` : o.path;
      stream.write(
        `\r\x1b[2K[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${e.done}/${e.total} ${name}`,
      );
      return;
    }
    if (bar) stream.write("\r\x1b[2K");
  };
}
