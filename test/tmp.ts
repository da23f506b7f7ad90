// Temporary folders for tests. Every folder made here is removed after its test file (pass or
// fail: test/setup.ts registers the afterAll), so a test run leaves nothing in os.tmpdir().
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

/** A new folder in os.tmpdir(), removed after the test file that made it. */
export function tempDir(prefix = "msb-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Write bits back on every folder below `dir`: tests make some read-only on purpose. */
function makeWritable(dir: string): void {
  chmodSync(dir, 0o700);
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) makeWritable(join(dir, e.name));
}

export function removeTempDirs(): void {
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      if (statSync(dir, { throwIfNoEntry: false })) makeWritable(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  made.clear();
}
