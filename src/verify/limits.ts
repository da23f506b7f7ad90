// Bounds on the containers `verify` starts: the images come from repositories the user may not
// control. Both smoke runs (original and converted) get the same bounds, so the comparison stays
// fair; the timeout is the smoke run's own (SmokeSpec.timeoutSec).

export interface ContainerLimits {
  /** Memory, swap included (docker's --memory syntax: 512m, 1g…). */
  memory: string;
  /** Processes and threads at once (--pids-limit). */
  pids: number;
}

export const DEFAULT_LIMITS: ContainerLimits = { memory: "512m", pids: 256 };

/** A size as docker reads it: a number with an optional b, k, m or g. */
export function isMemorySize(text: string): boolean {
  return /^\d+(\.\d+)?[bkmg]?$/i.test(text) && Number.parseFloat(text) > 0;
}

/** `docker run` flags for the bounds; no new privileges (setuid programs gain nothing). */
export function limitArgs(limits: Partial<ContainerLimits> = {}): string[] {
  const l = { ...DEFAULT_LIMITS, ...limits };
  return [
    "--memory",
    l.memory,
    // Equal to --memory: no swap on top, so the bound is the bound.
    "--memory-swap",
    l.memory,
    "--pids-limit",
    String(l.pids),
    "--security-opt",
    "no-new-privileges",
  ];
}
