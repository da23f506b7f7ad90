// --verify: sizes from the verify library go into the PR body; without it, a clear message.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runPr, type PrOptions } from "../../src/pr/run.js";
import { loadVerify } from "../../src/pr/verify.js";
import { dryRunOptions, GO_DOCKERFILE, makeRemote, tmpDir } from "./helpers.js";

const FAKE = new URL("./fixtures/fake-verify.ts", import.meta.url).href;

function opts(repos: string, over: Partial<PrOptions>): PrOptions {
  return dryRunOptions(repos, { verify: true, ...over });
}

describe("--verify", () => {
  it("maps verifyDockerfile reports to size rows, notes when verification failed", async () => {
    const v = await loadVerify(FAKE);
    if (typeof v !== "function") throw new Error(v.unavailable);
    expect(await v("/r/Dockerfile", "FROM x", "/r")).toEqual({
      path: "/r/Dockerfile",
      before: 900_000_000,
      after: 80_000_006,
    });
    expect((await v("/r/broken/Dockerfile", "", "/r")).note).toBe(
      "verify: error — builder stage failed",
    );
  });

  it("says so when the verify library is missing", async () => {
    expect(await loadVerify("./no-such-module.js")).toEqual({
      unavailable: "--verify: the verify library (src/verify) is not available in this build",
    });
  });

  it("puts the size table in the PR body", async () => {
    const root = tmpDir();
    const bare = makeRemote(root, "acme/api", {
      Dockerfile: GO_DOCKERFILE,
      "broken/Dockerfile": GO_DOCKERFILE,
    });
    const list = path.join(root, "repos.txt");
    writeFileSync(list, `${bare}\n`);
    const v = await loadVerify(FAKE);
    if (typeof v !== "function") throw new Error(v.unavailable);
    const { records } = await runPr(opts(list, { verifyFn: v }));
    const body = records[0]!.body!;
    expect(body).toContain("## Image sizes (`--verify`)");
    expect(body).toMatch(/\| `Dockerfile` \| 900\.0 MB \| 80\.0 MB \| -91% \|/);
    expect(body).toContain("| `broken/Dockerfile` | | | verify: error — builder stage failed |");
  });
});
