// What `--resolve` adds per file beyond the builder's own build: the engine probe, the inspect
// step (one throwaway container, the ELF files copied out and read, one run of the FROM image
// when an install is looked for) and the second conversion. Measured on one fixture, its builder
// cached so the build itself is BuildKit's cache check; skipped without an engine or its images.
import { join } from "node:path";
import { resolveDockerfile } from "../src/resolve/index.js";
import { Docker, resolveDockerPath } from "../src/verify/docker.js";

export interface ResolveBench {
  fixture: string;
  runs: number;
  /** Medians, seconds. */
  total: number;
  builderBuild: number;
  inspect: number;
  /** total − builder build: what --resolve costs beyond building the builder. */
  extra: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchResolve(
  root: string,
  runs: number,
  fixture = "resolve-rust",
): Promise<ResolveBench | { skipped: string }> {
  const docker = new Docker(resolveDockerPath());
  const probe = await docker.probe();
  if (!probe.ok) return { skipped: probe.reason };
  const dir = join(root, "fixtures", fixture);
  const missing = await docker.missingImages(["rust:1.85", "gcr.io/distroless/cc-debian12"]);
  if (missing.length) return { skipped: `the engine lacks ${missing.join(", ")} (npm run engine)` };
  const samples: { total: number; build: number; inspect: number }[] = [];
  // One unmeasured run first: it fills the build cache.
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const o = await resolveDockerfile({
      dockerfile: join(dir, "Dockerfile"),
      context: join(dir, "context"),
    });
    const total = (performance.now() - t0) / 1000;
    if (o.fallback) return { skipped: `--resolve fell back: ${o.fallback}` };
    if (i > 0)
      samples.push({ total, build: o.builderBuild?.seconds ?? 0, inspect: o.inspectSeconds ?? 0 });
  }
  const total = median(samples.map((s) => s.total));
  const builderBuild = median(samples.map((s) => s.build));
  return {
    fixture,
    runs,
    total,
    builderBuild,
    inspect: median(samples.map((s) => s.inspect)),
    extra: median(samples.map((s) => s.total - s.build)),
  };
}
