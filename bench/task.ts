// One benchmark case in its own process, so each starts cold like the CLI does:
//   tsx bench/task.ts <read|parse|peer|convert> DIR [--shard i/n]
// Walks DIR with the CLI's own walker, then does the work on each file, one at a time (streaming).
// Prints {"files":N,"ms":T} (T = time after start-up) on stdout.
import { readFile } from "node:fs/promises";
import { DockerfileParser } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { convert } from "../src/index.js";
import { findDockerfiles } from "../src/bulk/walk.js";

const work: Record<string, (text: string, path: string) => unknown> = {
  read: (text) => text.length,
  parse: (text) => DockerfileParser.parse(text),
  peer: (text) => validate(text),
  // what `--dry-run --json` does per file, without the CLI around it
  convert: (text, path) => JSON.stringify(convert(text, { path })).length,
};

const [task, dir, flag, shard] = process.argv.slice(2);
const fn = work[task ?? ""];
if (!fn || !dir) {
  process.stderr.write(`usage: bench/task.ts <${Object.keys(work).join("|")}> DIR [--shard i/n]\n`);
  process.exit(2);
}
const [index, count] = flag === "--shard" && shard ? shard.split("/").map(Number) : [0, 1];
const t0 = performance.now();
// The same walker the CLI uses, so the floor measures the same directory search.
const files = await findDockerfiles([dir]);
let n = 0;
for (let i = index!; i < files.length; i += count!) {
  fn(await readFile(files[i]!, "utf8"), files[i]!);
  n++;
}
process.stdout.write(JSON.stringify({ files: n, ms: performance.now() - t0 }) + "\n");
