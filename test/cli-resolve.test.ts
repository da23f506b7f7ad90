// The CLI's --resolve: files only, the static result (and why) without an engine, --json with the
// observed facts; with an engine (skipped without one), a file converted in place from what its
// builder really made.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { Docker, resolveDockerPath } from "../src/verify/docker.js";
import { fixturesDir } from "./helpers.js";

function streams() {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = new PassThrough();
  stdin.end("");
  const sink = (to: string[]) =>
    ({ write: (s: string) => to.push(s) > 0, isTTY: false }) as unknown as NodeJS.WritableStream;
  return {
    io: { stdout: sink(out), stderr: sink(err), stdin },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

const RUST = readFileSync(`${fixturesDir}resolve-rust/Dockerfile`, "utf8");
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "msb-cli-resolve-"));
});

describe("--resolve without an engine", () => {
  const saved = process.env.DOCKER;
  beforeEach(() => {
    process.env.DOCKER = "/nonexistent/docker";
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.DOCKER;
    else process.env.DOCKER = saved;
  });

  it("gives the static patch and says why", async () => {
    const f = join(dir, "Dockerfile");
    writeFileSync(f, RUST);
    const s = streams();
    expect(await main(["--resolve", "--dry-run", f], s.io)).toBe(0);
    expect(s.out()).toContain("+FROM debian:bookworm-slim");
    expect(s.err()).toMatch(/would convert .* \(static: no container engine/);
    expect(readFileSync(f, "utf8")).toBe(RUST);
  });

  it("--json carries the fallback reason", async () => {
    const f = join(dir, "Dockerfile");
    writeFileSync(f, RUST);
    const s = streams();
    // --docker names the client, as for verify.
    delete process.env.DOCKER;
    expect(await main(["--resolve", "--json", "--docker", "/nonexistent/docker", f], s.io)).toBe(0);
    const report = JSON.parse(s.out());
    expect(report.files[0].resolve.observed).toBeNull();
    expect(report.files[0].resolve.fallback).toMatch(/no container engine/);
  });
});

describe("--resolve usage", () => {
  it("takes Dockerfiles, not folders or stdin", async () => {
    const s = streams();
    expect(await main(["--resolve", dir], s.io)).toBe(2);
    expect(s.err()).toContain("give Dockerfiles, not the folder");
    expect(await main(["--resolve", "-"], streams().io)).toBe(2);
  });

  it("--docker goes with --resolve; --context is the build context of any run", async () => {
    const f = join(dir, "Dockerfile");
    writeFileSync(f, RUST);
    const s = streams();
    expect(await main(["--docker", "/usr/bin/docker", f], s.io)).toBe(2);
    expect(s.err()).toContain("--docker goes with --resolve");
    const t = streams();
    expect(await main(["--dry-run", "--context", dir, f], t.io)).toBe(0);
  });
});

const docker = new Docker(resolveDockerPath());
const engine =
  (await docker.probe()).ok &&
  (await docker.missingImages(["golang:1.19", "gcr.io/distroless/static-debian12"])).length === 0;

describe("--resolve with an engine", () => {
  it.skipIf(!engine)(
    "converts a file in place from what its builder made",
    async () => {
      cpSync(`${fixturesDir}resolve-go-cgo`, dir, { recursive: true });
      const f = join(dir, "Dockerfile");
      const s = streams();
      expect(await main(["--resolve", "--context", join(dir, "context"), f], s.io)).toBe(0);
      expect(s.err()).toMatch(
        /converted .*gcr\.io\/distroless\/static-debian12\] \(observed; verified: [\d.]+ MB → [\d.]+ MB\)/,
      );
      expect(readFileSync(f, "utf8")).toBe(
        readFileSync(`${fixturesDir}resolve-go-cgo/Dockerfile.expected`, "utf8"),
      );
    },
    300_000,
  );
});
