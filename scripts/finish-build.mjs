// After tsc: validate data/*.yaml once into JSON, bundle the CLI into one file for a fast cold
// start (every transform in transforms/ registered up front), then stamp the build so the
// launcher (bin/msb-migrate.js) knows it is newer than the sources.
import { readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const dist = root + "dist/";
const { writeCompiled } = await import(dist + "src/data-schema.js");
writeCompiled(root + "data/", dist + "src/data.json");
writeCompiled(root + "data/", dist + "data.json");

const transforms = readdirSync(dist + "transforms")
  .filter((f) => f.endsWith(".js"))
  .sort();
const entry = [
  ...transforms.map((f, i) => `import t${i} from "./transforms/${f}";`),
  `globalThis.__MSB_TRANSFORMS__ = [${transforms.map((_, i) => `t${i}`).join(", ")}];`,
  `const { runCli } = await import("./src/cli/main.js");`,
  `await runCli();`,
].join("\n");
writeFileSync(dist + "cli-entry.mjs", entry + "\n");
await build({
  entryPoints: [dist + "cli-entry.mjs"],
  outfile: dist + "msb-migrate.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Bundled, not external: esbuild hoists external imports to the top of an ESM bundle, which
  // would load YAML and zod at every start; bundled lazily-imported modules initialise on use.
  external: ["esbuild", "tsx"],
  banner: {
    js: "import { createRequire as __msbCreateRequire } from 'node:module'; const require = __msbCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
writeFileSync(dist + ".stamp", String(Date.now()));
