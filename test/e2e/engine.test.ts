// A fresh clone whose engine runs but lacks the local base images: the real-build tests skip with
// one line saying to run the engine setup (one failure when an engine is required), instead of
// failing case by case. A fake docker client stands in for the engine.
import { spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Docker } from "../../src/verify/index.js";
import { repoRoot } from "../helpers.js";
import { baseImages, engineReadiness, requiredImages } from "./engine.js";
import { tempDir } from "../tmp.js";

/** A docker client that answers `version` and knows only `images` (one per line in a file). */
function fakeDocker(images: string[]): string {
  const dir = tempDir("msb-fake-docker-");
  writeFileSync(path.join(dir, "images.txt"), images.map((i) => `${i}\n`).join(""));
  const bin = path.join(dir, "docker");
  writeFileSync(
    bin,
    [
      "#!/bin/sh",
      'case "$1 $2" in',
      '  "version --format") echo 20.10.24 ;;',
      `  "image inspect") grep -qxF -- "$5" "${dir}/images.txt" && echo sha256:0 && exit 0`,
      '    echo "Error: No such image: $5" >&2; exit 1 ;;',
      '  *) echo "fake docker: $*" >&2; exit 1 ;;',
      "esac",
      "",
    ].join("\n"),
  );
  chmodSync(bin, 0o755);
  return bin;
}

describe("engine readiness for the real-build tests", () => {
  it("needs the images the e2e fixtures and their conversions start from", () => {
    expect(baseImages("FROM golang:1.19 AS b\nFROM b\nFROM scratch\nFROM debian:${V}\n")).toEqual([
      "golang:1.19",
    ]);
    const images = requiredImages();
    expect(images).toContain("golang:1.19");
    expect(images).toContain("gcr.io/distroless/static-debian12");
    expect(images.length).toBeGreaterThan(10);
  });

  it("an engine without the base images is not ready: one sentence saying to run the setup", async () => {
    const docker = new Docker(fakeDocker(["golang:1.19"]));
    const r = await engineReadiness(docker, ["golang:1.19", "gcc:12", "debian:bookworm-slim"]);
    expect(r.ok).toBe(false);
    const reason = (r as { reason: string }).reason;
    expect(reason).toMatch(
      /answers but lacks 2 of the 3 local base images the e2e builds start from \(gcc:12, debian:bookworm-slim\): run `npm run engine` once/,
    );
    expect(reason).not.toContain("\n");
    const all = new Docker(fakeDocker(["golang:1.19", "gcc:12"]));
    expect(await engineReadiness(all, ["golang:1.19", "gcc:12"])).toEqual({ ok: true });
    const none = await engineReadiness(new Docker("/nonexistent/docker"), ["golang:1.19"]);
    expect((none as { reason: string }).reason).toMatch(/^no container engine: tried/);
  });

  const vitest = (env: Record<string, string>) =>
    spawnSync(
      process.execPath,
      [path.join(repoRoot, "node_modules/vitest/vitest.mjs"), "run", "test/e2e/real-build.test.ts"],
      {
        cwd: repoRoot,
        encoding: "utf8",
        env: { ...process.env, CI: "", MSB_REQUIRE_ENGINE: "", NO_COLOR: "1", ...env },
        timeout: 120_000,
      },
    );

  it(
    "a fresh clone: the real-build tests skip with one line; required, they fail once",
    { timeout: 240_000 },
    () => {
      const docker = fakeDocker([]);
      const skip = vitest({ DOCKER: docker });
      const out = skip.stdout + skip.stderr;
      expect(skip.status, out).toBe(0);
      const lines = out.split("\n").filter((l) => l.includes("npm run engine"));
      expect(lines, out).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^e2e real builds skipped: the container engine at .* answers but lacks/,
      );
      expect(out).toMatch(/Tests +1 passed \| \d+ skipped/);

      const required = vitest({ DOCKER: docker, MSB_REQUIRE_ENGINE: "1" });
      const rout = required.stdout + required.stderr;
      expect(required.status, rout).toBe(1);
      expect(rout).toMatch(/Tests +1 failed \| 1 passed \| \d+ skipped/);
      expect(rout).toContain("run `npm run engine`");
    },
  );
});
