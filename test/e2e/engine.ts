// Whether the real-build tests can run: an engine answers AND has the local base images the
// e2e fixtures and their conversions start from (there is no registry to pull them from). A fresh
// clone with a running engine but no images gets one line saying to run the engine setup.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { convert } from "../../src/index.js";
import { readBuildContext } from "../../src/io/context.js";
import type { ConvertOptions } from "../../src/types.js";
import { Docker, resolveDockerPath } from "../../src/verify/index.js";
import { readStages } from "../../src/verify/dockerfile-info.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixtures = path.join(root, "fixtures");

/** The e2e fixtures with a build context: the cases real-build.test.ts builds. */
export function e2eCases(): string[] {
  return readdirSync(fixtures)
    .filter((n) => n.startsWith("e2e-") && existsSync(path.join(fixtures, n, "context")))
    .sort();
}

/** Base images a Dockerfile's stages start from (not earlier stages, not scratch, no ARGs). */
export function baseImages(text: string): string[] {
  const names = new Set<string>();
  const out: string[] = [];
  for (const st of readStages(text)) {
    const from = st.from;
    if (from && !names.has(from.toLowerCase()) && from !== "scratch" && !from.includes("$"))
      out.push(from);
    if (st.name) names.add(st.name.toLowerCase());
  }
  return out;
}

/** Every image the real-build tests need: the fixtures', their conversions', the hand-written ones. */
export function requiredImages(): string[] {
  const texts: string[] = [];
  for (const name of e2eCases()) {
    const dir = path.join(fixtures, name);
    const input = readFileSync(path.join(dir, "Dockerfile"), "utf8");
    const caseFile = path.join(dir, "case.json");
    const options = existsSync(caseFile)
      ? ((JSON.parse(readFileSync(caseFile, "utf8")) as { options?: ConvertOptions }).options ?? {})
      : {};
    const context = readBuildContext(path.join(dir, "context"), path.join(dir, "Dockerfile"));
    texts.push(input, convert(input, { context, ...options, path: "Dockerfile" }).output);
  }
  const converted = path.join(root, "test", "e2e", "converted");
  for (const f of readdirSync(converted)) texts.push(readFileSync(path.join(converted, f), "utf8"));
  return [...new Set(texts.flatMap(baseImages))].sort();
}

export type EngineReadiness = { ok: true } | { ok: false; reason: string };

/** An engine that answers and has every required image; else one sentence saying what to do. */
export async function engineReadiness(
  docker = new Docker(resolveDockerPath()),
  images: string[] = requiredImages(),
): Promise<EngineReadiness> {
  const probe = await docker.probe();
  if (!probe.ok) return { ok: false, reason: probe.reason };
  const missing = await docker.missingImages(images);
  if (missing.length === 0) return { ok: true };
  const shown = missing.slice(0, 4).join(", ") + (missing.length > 4 ? ", …" : "");
  return {
    ok: false,
    reason:
      `the container engine at ${docker.path} answers but lacks ${missing.length} of the ` +
      `${images.length} local base images the e2e builds start from (${shown}): run \`npm run engine\` ` +
      "once (scripts/engine-setup.sh builds them; there is no registry to pull from)",
  };
}
