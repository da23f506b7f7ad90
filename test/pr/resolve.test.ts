// pr --resolve: each Dockerfile goes through the resolve step (builder built and inspected, its
// folder as context). Without an engine (here: a docker client that does not exist) the static
// conversion stands and the PR body says why. The real builds are in test/e2e/resolve.test.ts.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPr } from "../../src/pr/run.js";
import { dryRunOptions, GO_DOCKERFILE, makeRemote, tmpDir } from "./helpers.js";

const saved = process.env.DOCKER;
beforeAll(() => {
  process.env.DOCKER = "/nonexistent/docker";
});
afterAll(() => {
  if (saved === undefined) delete process.env.DOCKER;
  else process.env.DOCKER = saved;
});

describe("pr --resolve", () => {
  it("falls back to the static conversion without an engine, and says so", async () => {
    const root = tmpDir();
    const bare = makeRemote(root, "acme/api", { Dockerfile: GO_DOCKERFILE });
    const list = path.join(root, "repos.txt");
    writeFileSync(list, `${bare}\n`);
    const plain = (await runPr(dryRunOptions(list, {}))).records[0]!;
    const resolved = (await runPr(dryRunOptions(list, { resolve: true }))).records[0]!;
    expect(resolved.files).toEqual(plain.files);
    expect(resolved.body).toContain("--resolve: no container engine");
    expect(plain.body).not.toContain("--resolve");
  });
});
