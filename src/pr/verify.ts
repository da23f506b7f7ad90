// Optional --verify: the verify library (src/verify/) builds both images with a real engine.
// Tests pass another module to stand in for it; a missing module is reported, not thrown.
import { verifyDockerfile } from "../verify/index.js";
import type { ContainerLimits } from "../verify/limits.js";
import type { SizeRow } from "./body.js";

interface VerifyReportLike {
  verdict?: string;
  original?: { image?: { size?: number } | null } | null;
  converted?: { image?: { size?: number } | null } | null;
  errors?: string[];
}

export interface VerifyRunOptions {
  /** Bounds of the smoke-run containers (--verify-memory, --verify-pids). */
  limits?: Partial<ContainerLimits>;
  /** Stops the builds and containers (Ctrl-C); they are removed all the same. */
  signal?: AbortSignal;
}

export type VerifyFn = (
  dockerfile: string,
  convertedText: string,
  context: string,
  options?: VerifyRunOptions,
) => Promise<SizeRow>;

/** Resolves the verify function, or a reason it is unavailable. */
export async function loadVerify(spec?: string): Promise<VerifyFn | { unavailable: string }> {
  type Mod = { verifyDockerfile?: (o: Record<string, unknown>) => Promise<VerifyReportLike> };
  // The real library is imported statically (so the bundled CLI includes it).
  let mod: Mod = { verifyDockerfile: verifyDockerfile as unknown as Mod["verifyDockerfile"] };
  try {
    if (spec) mod = (await import(spec)) as Mod;
  } catch {
    return {
      unavailable: "--verify: the verify library (src/verify) is not available in this build",
    };
  }
  const fn = mod.verifyDockerfile;
  if (typeof fn !== "function") {
    return { unavailable: "--verify: src/verify does not export verifyDockerfile()" };
  }
  return async (dockerfile, convertedText, context, options = {}) => {
    const rep = await fn({
      dockerfile,
      convertedText,
      context,
      smoke: { limits: options.limits },
      signal: options.signal,
    });
    const before = rep.original?.image?.size;
    const after = rep.converted?.image?.size;
    const row: SizeRow = { path: dockerfile, before, after };
    if (rep.verdict && rep.verdict !== "verified") {
      row.note = `verify: ${rep.verdict}${rep.errors?.length ? ` — ${rep.errors[0]}` : ""}`;
    }
    return row;
  };
}
