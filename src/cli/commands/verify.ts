import type { Command } from "commander";

/** Registers `msb-migrate verify` (owned by the verify work). */
export function registerVerify(_program: Command): void {}
