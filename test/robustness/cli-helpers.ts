// Helpers for robustness tests: run the real CLI (in-process or spawned) and fingerprint trees.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { main } from "../../src/cli/main.js";
import { repoRoot } from "../helpers.js";
import { tempDir as registeredTempDir } from "../tmp.js";

export const GO = `FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\nCMD ["/out/app"]\n`;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** main() with fake streams: the real CLI path, without paying for a process start. */
export async function run(argv: string[], stdin: string | Buffer = ""): Promise<Run> {
  const out = new PassThrough();
  const err = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on("data", (c: Buffer) => o.push(c));
  err.on("data", (c: Buffer) => e.push(c));
  const code = await main(argv, { stdout: out, stderr: err, stdin: Readable.from([stdin]) });
  return { code, stdout: Buffer.concat(o).toString(), stderr: Buffer.concat(e).toString() };
}

/** The real executable, as a user runs it. */
export function spawnCli(argv: string[], opts: SpawnSyncOptions = {}): Run {
  const r = spawnSync(process.execPath, [join(repoRoot, "bin/msb-migrate.js"), ...argv], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1" },
    ...opts,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function tempDir(prefix = "msb-robust-"): string {
  return registeredTempDir(prefix);
}

/** sha256 over every entry below dir: names, types, modes, link targets and contents. */
export function treeHash(dir: string): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      h.update(`${p}\0${st.mode}\0${st.uid}:${st.gid}\0${st.mtimeMs}\0`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isDirectory()) walk(p);
      else if (st.isFile()) h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest("hex");
}

/** The status lines of stderr that name a file (the last thing each file reports). */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /^(error|skipped) /.test(l));
}
