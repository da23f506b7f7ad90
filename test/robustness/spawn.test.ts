// The real executable, as a user runs it: several files at once, one of them missing and one
// binary. The process exit code is 2, each problem is one line, the valid file still converts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { convert } from "../../src/convert.js";
import { errorLines, GO, spawnCli, tempDir } from "./cli-helpers.js";

describe("bin/msb-migrate.js", () => {
  it("exit 2 with one line per broken file; the good file is converted", () => {
    const dir = tempDir();
    const good = join(dir, "Dockerfile");
    const bin = join(dir, "Dockerfile.bin");
    const missing = join(dir, "Dockerfile.missing");
    writeFileSync(good, GO);
    writeFileSync(bin, Buffer.from([0x46, 0x52, 0x00, 0x4d]));
    const r = spawnCli([good, bin, missing]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(errorLines(r.stderr).sort()).toEqual(
      [
        `error ${bin}: is binary (contains NUL bytes), not a Dockerfile`,
        `error ${missing}: no such file or directory`,
      ].sort(),
    );
    expect(r.stderr).toContain(`converted ${good}`);
    expect(readFileSync(good, "utf8")).toBe(convert(GO).output);
    expect(readFileSync(bin)).toEqual(Buffer.from([0x46, 0x52, 0x00, 0x4d]));
  }, 120_000);
});
