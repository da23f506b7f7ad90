import type { Command } from "commander";

/** Registers `msb-migrate pr` (owned by the PR work). */
export function registerPr(_program: Command): void {}
