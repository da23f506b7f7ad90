#!/usr/bin/env node
// Launcher: run the compiled build (npm run build) when it is up to date with the sources,
// otherwise run the TypeScript sources through tsx so a fresh clone works without a build.
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = dir + e.name;
    t = Math.max(t, e.isDirectory() ? newest(p + "/") : statSync(p).mtimeMs);
  }
  return t;
}

function buildIsFresh() {
  try {
    const built = statSync(root + "dist/.stamp").mtimeMs;
    return ["src/", "transforms/", "data/"].every((d) => newest(root + d) <= built);
  } catch {
    return false;
  }
}

if (buildIsFresh()) {
  await import("../dist/msb-migrate.mjs");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { runCli } = await import("../src/cli/main.ts");
  await runCli();
}
