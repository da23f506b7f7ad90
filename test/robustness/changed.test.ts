// A file that changes between read and write, through the real CLI: the write step is wrapped
// (vi.mock) so another writer edits the file deterministically after it was read and converted.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { errorLines, GO, run, tempDir } from "./cli-helpers.js";

const edits = vi.hoisted(() => ({ content: "" }));
vi.mock("../../src/io/write.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/io/write.js")>();
  return {
    ...real,
    writeAtomic: (file: Parameters<typeof real.writeAtomic>[0], text: string) =>
      real.writeAtomic(file, text, {
        beforeCommit: () => writeFileSync(file.path, edits.content),
      }),
  };
});

describe("a file changed between read and write", () => {
  it("is not overwritten: exit 2, one line, the other writer's bytes kept, no temp file", async () => {
    const dir = tempDir();
    const p = join(dir, "Dockerfile");
    writeFileSync(p, GO);
    edits.content = GO + "# someone else's edit\n";
    const r = await run([p]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      `error ${p}: changed on disk since it was read; not overwritten`,
    ]);
    expect(readFileSync(p, "utf8")).toBe(edits.content);
    expect(readdirSync(dir)).toEqual(["Dockerfile"]);
  });

  it("an edit that restores the same bytes is not a change: the write goes ahead", async () => {
    // Shows the check compares content (the hook really ran; only differing bytes stop us).
    const dir = tempDir();
    const p = join(dir, "Dockerfile");
    writeFileSync(p, GO);
    edits.content = GO;
    const r = await run([p]);
    expect(r.code).toBe(0);
    expect(readFileSync(p, "utf8")).toMatch(/AS builder/);
  });
});
