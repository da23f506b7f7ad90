// Runs `msb-migrate pr …` in-process through the CLI's main, capturing what it prints.
import { vi } from "vitest";
import { prTestHooks } from "../../src/cli/commands/pr.js";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Waits the tool asked for (retries, pacing), recorded instead of slept. */
export const sleeps: number[] = [];

prTestHooks.sleep = async (ms) => {
  sleeps.push(ms);
};
prTestHooks.retry = {
  sleep: async (ms) => {
    sleeps.push(ms);
  },
};

export async function runCli(args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const exitCode = await main(["pr", ...args], {
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
    });
    return { stdout, stderr, exitCode };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
