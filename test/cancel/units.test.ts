// The pieces of cancellation on their own: the signal listener, the clean-up a second signal runs,
// and the stale temporary files a stopped run may leave, which the next run in place removes.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  listenForCancel,
  onHardExit,
  runHardExitCleanups,
  type Cancellation,
} from "../../src/io/cancel.js";
import { readDockerfile } from "../../src/io/read.js";
import { isTempFileName, writeAtomic } from "../../src/io/write.js";
import { convert } from "../../src/index.js";
import { GO, run } from "../robustness/cli-helpers.js";
import { tempDir } from "../tmp.js";

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

describe("listenForCancel", () => {
  let cancel: Cancellation | undefined;
  afterEach(() => cancel?.dispose());

  it("the first signal aborts; a second runs the clean-ups and exits with the first's code", () => {
    const lines: string[] = [];
    cancel = listenForCancel({
      log: (l) => lines.push(l),
      exit: (code) => {
        throw new Exited(code);
      },
    });
    let cleaned = 0;
    const forget = onHardExit(() => cleaned++);
    process.emit("SIGTERM");
    expect(cancel.signal.aborted).toBe(true);
    expect(cancel.received).toBe("SIGTERM");
    expect(cleaned).toBe(0);
    expect(() => process.emit("SIGINT")).toThrow(new Exited(143));
    expect(cleaned).toBe(1);
    expect(lines).toEqual([
      "SIGTERM: finishing the work in flight and cleaning up (SIGTERM again stops at once)",
      "then SIGINT: stopping now",
    ]);
    forget();
    runHardExitCleanups();
    expect(cleaned).toBe(1);
  });

  it("stops listening when disposed", () => {
    cancel = listenForCancel({ log: () => {} });
    const before = process.listenerCount("SIGINT");
    cancel.dispose();
    expect(process.listenerCount("SIGINT")).toBe(before - 1);
  });
});

describe("a write cut short by a second signal", () => {
  it("the clean-up removes the temporary file and the target keeps its text", async () => {
    const dir = tempDir("msb-cancel-write-");
    const file = path.join(dir, "Dockerfile");
    writeFileSync(file, GO);
    const read = await readDockerfile(file, 1 << 20, { forWrite: true });
    let seen = "";
    const write = writeAtomic(read, convert(GO).output, {
      beforeCommit: (tmp) => {
        seen = tmp;
        expect(existsSync(tmp)).toBe(true);
        runHardExitCleanups();
      },
    });
    await expect(write).rejects.toThrow(/cannot write/);
    expect(isTempFileName(path.basename(seen))).toBe(true);
    expect(existsSync(seen)).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(GO);
  });
});

describe("stale temporary files of a stopped run", () => {
  it("a dry run names them and keeps them; a run in place removes them and says so", async () => {
    const dir = tempDir("msb-cancel-stale-");
    writeFileSync(path.join(dir, "Dockerfile"), GO);
    const stale = path.join(dir, ".msb-tmp-Dockerfile-0badc0de");
    writeFileSync(stale, "half");
    // Not ours: no 8-hex suffix.
    const other = path.join(dir, ".msb-tmp-notes");
    writeFileSync(other, "keep");

    const dry = await run([dir, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(
      `msb-migrate: stale temporary file (a run in place removes it): ${stale} (left by an interrupted run)\n`,
    );
    expect(existsSync(stale)).toBe(true);

    const wet = await run([dir]);
    expect(wet.code).toBe(0);
    expect(wet.stderr).toContain(
      `msb-migrate: removed stale temporary file ${stale} (left by an interrupted run)\n`,
    );
    expect(existsSync(stale)).toBe(false);
    expect(readFileSync(other, "utf8")).toBe("keep");
    expect(readFileSync(path.join(dir, "Dockerfile"), "utf8")).toBe(convert(GO).output);
  });
});
