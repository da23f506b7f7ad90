// Runs `msb-migrate pr …` in-process through commander, capturing what it prints.
import { Command } from "commander";
import { vi } from "vitest";
import { prTestHooks, registerPr } from "../../src/cli/commands/pr.js";

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
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    const program = new Command().name("msb-migrate").exitOverride();
    registerPr(program);
    await program.parseAsync(["pr", ...args], { from: "user" });
    return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = before;
    out.mockRestore();
    err.mockRestore();
  }
}
