// After tsc: validate data/*.yaml once into JSON, bundle the CLI into one file for a fast cold
// start (every transform in transforms/ registered up front), then stamp the build so the
// launcher (bin/msb-migrate.js) knows it is newer than the sources.
import { readdirSync, rmSync, writeFileSync } from "node:fs";
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
for (const f of readdirSync(dist)) if (/^chunk-.*\.mjs$/.test(f)) rmSync(dist + f);
await build({
  entryPoints: { "msb-migrate": dist + "cli-entry.mjs" },
  outdir: dist,
  outExtension: { ".js": ".mjs" },
  // Code splitting: what loads through import() (PR mode and its git/GitHub/GitLab clients,
  // verify, YAML and zod for a config file) goes to chunks of its own, read only when used. The
  // chunks sit beside the entry so import.meta.url-relative paths (data.json, the conversion
  // worker under src/io/) resolve the same from any of them. Minified: start-up compiles less.
  splitting: true,
  chunkNames: "chunk-[hash]",
  minify: true,
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
