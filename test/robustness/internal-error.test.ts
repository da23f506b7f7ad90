// An engine bug (convert() throws) must still end as one status line naming the file, exit 2,
// with the file untouched and the other files still processed.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { errorLines, GO, run, tempDir } from "./cli-helpers.js";

vi.mock("../../src/convert.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/convert.js")>();
  return {
    ...real,
    convert: (text: string, options: Parameters<typeof real.convert>[1]) => {
      if (text.includes("# boom")) throw new TypeError("cannot read 'x'\n    at somewhere");
      return real.convert(text, options);
    },
  };
});

describe("an exception inside the engine", () => {
  it("is one line naming the file, exit 2; the file is untouched; other files still convert", async () => {
    const dir = tempDir();
    const bad = join(dir, "Dockerfile.bad");
    const good = join(dir, "Dockerfile");
    writeFileSync(bad, GO + "# boom\n");
    writeFileSync(good, GO);
    const badBefore = readFileSync(bad);
    const r = await run([dir]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      `error ${bad}: internal error: cannot read 'x' at somewhere`,
    ]);
    expect(readFileSync(bad)).toEqual(badBefore);
    expect(readFileSync(good, "utf8")).toMatch(/AS builder/);
  });
});
