// After tsc: validate data/*.yaml once into dist/src/data.json, then stamp the build so the
// launcher (bin/msb-migrate.js) knows it is newer than the sources.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const { writeCompiled } = await import(root + "dist/src/data-schema.js");
writeCompiled(root + "data/", root + "dist/src/data.json");
writeFileSync(root + "dist/.stamp", String(Date.now()));
