// Ctrl-C (SIGINT) and SIGTERM during a run that writes. The first signal asks the run to stop
// taking new work: what is in flight finishes (or is rolled back), temporary files go, the summary
// of what was done is printed, and the exit code says which signal it was. A second signal exits
// at once, after the synchronous clean-ups registered here (temporary files beside the user's
// files, temporary worktrees), so even then nothing is left in the user's tree.

export type StopSignal = "SIGINT" | "SIGTERM";

/** 128 + the signal's number, as a shell reports a process the signal ended. */
export const SIGNAL_EXIT_CODE: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

const hardExitCleanups = new Set<() => void>();

/**
 * Registers a synchronous clean-up for an immediate exit (the second signal); returns its
 * removal. Must be quick and must not throw.
 */
export function onHardExit(cleanup: () => void): () => void {
  hardExitCleanups.add(cleanup);
  return () => hardExitCleanups.delete(cleanup);
}

export function runHardExitCleanups(): void {
  for (const cleanup of [...hardExitCleanups]) {
    try {
      cleanup();
    } catch {
      // Best effort: the next run removes what is left (see walk.ts, stale temp files).
    }
  }
}

export interface Cancellation {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  /** The first signal received, or null. */
  readonly received: StopSignal | null;
  /** Stops listening (the default behaviour of the signals is back). */
  dispose(): void;
}

export interface CancelOptions {
  /** One line for people when a signal arrives. */
  log: (line: string) => void;
  /** Injected for tests; the real one ends the process. */
  exit?: (code: number) => never;
}

/** Listens for SIGINT and SIGTERM until disposed. */
export function listenForCancel(options: CancelOptions): Cancellation {
  const controller = new AbortController();
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let received: StopSignal | null = null;
  const on = (sig: StopSignal) => {
    if (received) {
      options.log(`${sig === received ? `${sig} again` : `then ${sig}`}: stopping now`);
      runHardExitCleanups();
      exit(SIGNAL_EXIT_CODE[received]);
    }
    received = sig;
    options.log(
      `${sig}: finishing the work in flight and cleaning up (${sig === "SIGINT" ? "Ctrl-C" : "SIGTERM"} again stops at once)`,
    );
    controller.abort(new Error(`cancelled by ${sig}`));
  };
  const onInt = () => on("SIGINT");
  const onTerm = () => on("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    },
  };
}
