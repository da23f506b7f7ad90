// Optional --verify: the verify library (src/verify/) builds both images with a real engine.
// It is loaded lazily so `pr` works without it and says clearly when it is not there.
import type { SizeRow } from "./body.js";

interface VerifyReportLike {
  verdict?: string;
  original?: { image?: { size?: number } | null } | null;
  converted?: { image?: { size?: number } | null } | null;
  errors?: string[];
}

export type VerifyFn = (
  dockerfile: string,
  convertedText: string,
  context: string,
) => Promise<SizeRow>;

/** Resolves the verify function, or a reason it is unavailable. */
export async function loadVerify(
  // A variable specifier keeps tsc from requiring the module at type-check time.
  spec = "../verify/index.js",
): Promise<VerifyFn | { unavailable: string }> {
  let mod: { verifyDockerfile?: (o: Record<string, unknown>) => Promise<VerifyReportLike> };
  try {
    mod = (await import(spec)) as typeof mod;
  } catch {
    return {
      unavailable: "--verify: the verify library (src/verify) is not available in this build",
    };
  }
  const fn = mod.verifyDockerfile;
  if (typeof fn !== "function") {
    return { unavailable: "--verify: src/verify does not export verifyDockerfile()" };
  }
  return async (dockerfile, convertedText, context) => {
    const rep = await fn({ dockerfile, convertedText, context });
    const before = rep.original?.image?.size;
    const after = rep.converted?.image?.size;
    const row: SizeRow = { path: dockerfile, before, after };
    if (rep.verdict && rep.verdict !== "verified") {
      row.note = `verify: ${rep.verdict}${rep.errors?.length ? ` — ${rep.errors[0]}` : ""}`;
    }
    return row;
  };
}
