// Discovers the ecosystem modules in transforms/: adding an ecosystem is adding a file there.
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Transform } from "./transform.js";

const dir = fileURLToPath(new URL("../transforms/", import.meta.url));

async function loadTransforms(): Promise<Transform[]> {
  const files = readdirSync(dir)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts") && !f.startsWith("_"))
    .sort();
  const loaded: Transform[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(dir + f).href)) as { default?: Transform };
    if (!mod.default?.id) throw new Error(`transforms/${f} has no default export with an id`);
    loaded.push(mod.default);
  }
  return loaded;
}

// A bundled build registers its transforms before loading us (see scripts/finish-build.mjs).
const bundled = (globalThis as { __MSB_TRANSFORMS__?: Transform[] }).__MSB_TRANSFORMS__;

export const transforms: Transform[] = bundled ?? (await loadTransforms());
