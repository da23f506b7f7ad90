// The local image zoo (scripts/engine/images.txt) must not lie about releases: a look-alike tagged
// with an official tag is built on the release data/releases says that tag is published on, or
// the real builds would prove pairs that crash with the real images. (test/e2e/zoo.test.ts checks
// that each look-alike really is the release its line declares.)
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { osOfImage, readImageRef } from "../src/analyse.js";
import { repoRoot } from "./helpers.js";

/** Stand-ins whose release does not matter to what the tests use them for. */
const STAND_INS: Record<string, string> = {
  nginx: "serves the static files of front-end conversions: no program of the builder runs on it",
  "eclipse-temurin":
    "Ubuntu-based upstream; the Debian stand-in runs jars, which use the JVM of the runtime image, not the builder's C library",
  busybox: "no OS release: the zoo's scratch shell",
};

const lines = readFileSync(`${repoRoot}scripts/engine/images.txt`, "utf8")
  .split("\n")
  .filter((l) => l.trim() && !l.startsWith("#"))
  .map((l) => l.trim().split(/\s+/))
  .map(([step, , release, ...tags]) => ({ step: step!, release: release!, tags }));

describe("zoo tags name the releases data/releases gives them", () => {
  it("reads the image list", () => {
    expect(lines.length).toBeGreaterThan(20);
  });
  for (const line of lines) {
    for (const tag of line.tags) {
      const ref = readImageRef(tag);
      const repo = ref.name.split("/").pop()!;
      it(`${tag} (${line.step}, ${line.release})`, () => {
        if (STAND_INS[ref.name] ?? STAND_INS[repo]) return;
        const found = osOfImage(ref);
        // A tag the table does not know is the zoo's own (busybox:local); it names no release.
        if ("unknown" in found) {
          expect(found.unknown, tag).toMatch(/not (a tag data\/releases knows|an official image)/);
          return;
        }
        expect(found.os.codename ?? found.os.key, `${tag}: data/releases says`).toBe(line.release);
      });
    }
  }
});
