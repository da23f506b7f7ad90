// Organisation-wide runs in shards: a stable split, one state file per shard, merged into one
// state that the report and --only-failed read. Bare repositories on disk stand in for remotes.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeStates } from "../../src/pr/merge.js";
import {
  parseShard,
  selectShard,
  shardOf,
  shardStateFile,
  type Shard,
} from "../../src/pr/shard.js";
import { readState } from "../../src/pr/state.js";
import { runCli } from "./cli.js";
import { branches, GO_DOCKERFILE, makeRemote, PLAIN_DOCKERFILE, tmpDir } from "./helpers.js";

const BRANCH = "msb-migrate/multi-stage";

describe("the split", () => {
  it("parses K/N and refuses anything else", () => {
    expect(parseShard("2/8")).toEqual({ index: 2, count: 8 });
    for (const bad of ["0/2", "3/2", "1/0", "a/b", "1", "-1/2", "1.5/2"])
      expect(() => parseShard(bad), bad).toThrow(/--shard expects K\/N/);
  });

  it("is the same on every run and machine: pinned to the key's SHA-256", () => {
    expect([1, 2, 3, 4, 5].map((n) => shardOf("acme/api", n))).toEqual([1, 2, 2, 2, 5]);
    expect(shardOf("platform/billing/api", 4)).toBe(1);
    expect(shardStateFile({ index: 3, count: 8 })).toBe("msb-migrate-state-3-of-8.json");
  });

  it("puts every repository in exactly one shard, whatever the list order, about evenly", () => {
    const specs = Array.from({ length: 1000 }, (_, i) => ({
      name: `repo-${i}`,
      slug: `org/r${i}`,
    }));
    for (const n of [1, 2, 3, 7]) {
      const shards = Array.from({ length: n }, (_, k) =>
        selectShard(specs, { index: k + 1, count: n }),
      );
      const all = shards.flat().map((s) => s.slug);
      expect(new Set(all).size).toBe(specs.length);
      expect(all).toHaveLength(specs.length);
      for (const s of shards) expect(s.length).toBeGreaterThan((specs.length / n) * 0.8);
      // Another order, the same shards (each in list order).
      const reversed = selectShard([...specs].reverse(), { index: 1, count: n });
      expect(reversed.map((s) => s.slug).reverse()).toEqual(shards[0]!.map((s) => s.slug));
    }
  });
});

describe("pr --shard and pr --merge on five local repositories", () => {
  let root: string;
  let reposFile: string;
  let remotes: Record<string, string>;
  const cwd = process.cwd();

  beforeAll(() => {
    root = tmpDir();
    remotes = {
      api: makeRemote(root, "acme/api", { Dockerfile: GO_DOCKERFILE }),
      billing: makeRemote(root, "acme/billing", { "svc/Dockerfile": GO_DOCKERFILE }),
      docs: makeRemote(root, "acme/docs", { Dockerfile: PLAIN_DOCKERFILE }),
      locked: makeRemote(root, "acme/locked", { Dockerfile: GO_DOCKERFILE }, { refusePush: true }),
      search: makeRemote(root, "acme/search", { Dockerfile: GO_DOCKERFILE }),
    };
    reposFile = path.join(root, "repos.txt");
    writeFileSync(reposFile, Object.values(remotes).join("\n") + "\n");
    // Shards write their default state files into the working directory.
    process.chdir(root);
  });

  afterAll(() => process.chdir(cwd));

  const run = (args: string[]) =>
    runCli(["--repos", reposFile, "--push", "--author", "Bot <bot@example.test>", ...args]);

  it("two shards cover all five without overlap, each in its own state file, and merge into one", async () => {
    const s1 = await run(["--shard", "1/2"]);
    const s2 = await run(["--shard", "2/2"]);
    expect(s1.stderr).toContain("shard 1/2: 3 of 5 repositories");
    expect(s2.stderr).toContain("shard 2/2: 2 of 5 repositories");
    expect(existsSync(path.join(root, "msb-migrate-state.json"))).toBe(false);
    const f1 = path.join(root, "msb-migrate-state-1-of-2.json");
    const f2 = path.join(root, "msb-migrate-state-2-of-2.json");
    const [st1, st2] = [await readState(f1), await readState(f2)];
    expect([st1.shard, st2.shard]).toEqual(["1/2", "2/2"]);
    const names = (st: typeof st1) =>
      Object.values(st.repos)
        .map((r) => r.repo)
        .sort();
    expect(names(st1)).toEqual(["billing.git", "docs.git", "search.git"]);
    expect(names(st2)).toEqual(["api.git", "locked.git"]);
    // Each shard did its repositories' work: branches pushed where converted.
    expect(branches(remotes.search!)).toEqual(["main", BRANCH]);
    expect(branches(remotes.api!)).toEqual(["main", BRANCH]);
    expect(branches(remotes.docs!)).toEqual(["main"]);
    expect(s2.exitCode).toBe(1); // locked refuses pushes

    const merged = path.join(root, "merged.json");
    const report = path.join(root, "merged.md");
    const m = await runCli(["--merge", f1, f2, "--state", merged, "--report", report]);
    expect(m.stdout).toMatch(/^5 repositories: 3 converted, 1 unchanged, 0 skipped, 1 failed$/m);
    expect(m.exitCode).toBe(1);
    expect(m.stderr).not.toMatch(/merge: /);
    const st = await readState(merged);
    expect(Object.keys(st.repos).sort()).toEqual(Object.values(remotes).sort());
    expect(st.mergedFrom).toEqual([f1, f2]);
    expect(st.shard).toBeUndefined();
    expect(readFileSync(report, "utf8")).toContain("| 3 | 1 | 0 | 1 |");

    // --only-failed reads the merged file: once the remote accepts pushes, the rerun completes it.
    rmSync(path.join(remotes.locked!, "hooks", "pre-receive"));
    const again = await runCli([
      "--only-failed",
      merged,
      "--state",
      merged,
      "--push",
      "--author",
      "Bot <bot@example.test>",
    ]);
    expect(again.stdout).toMatch(/^1 repository: 1 converted/m);
    expect(again.exitCode).toBe(0);
    expect(branches(remotes.locked!)).toEqual(["main", BRANCH]);
    const after = await readState(merged);
    expect(
      Object.values(after.repos)
        .map((r) => r.status)
        .sort(),
    ).toEqual(["converted", "converted", "converted", "converted", "unchanged"]);
  });

  it("merge says which shards are missing and which repositories it saw twice", async () => {
    const dir = tmpDir();
    const rec = (repo: string, updatedAt: string, status: "converted" | "failed") => ({
      repo,
      source: `/x/${repo}`,
      status,
      action: status,
      files: [],
      updatedAt,
    });
    const write = (name: string, shard: Shard, repos: ReturnType<typeof rec>[]) => {
      const file = path.join(dir, name);
      const state = {
        version: 1,
        updatedAt: "2026-01-01T00:00:00.000Z",
        shard: `${shard.index}/${shard.count}`,
        repos: Object.fromEntries(repos.map((r) => [r.source, r])),
      };
      writeFileSync(file, JSON.stringify(state));
      return file;
    };
    const a = write("a.json", { index: 1, count: 3 }, [rec("x", "2026-01-01T00:00:00Z", "failed")]);
    const b = write("b.json", { index: 3, count: 3 }, [
      rec("x", "2026-01-02T00:00:00Z", "converted"),
      rec("y", "2026-01-01T00:00:00Z", "converted"),
    ]);
    const { state, notes } = await mergeStates([a, b]);
    expect(notes).toEqual([
      `x is in ${a} and ${b}; keeping the later record`,
      "shard(s) 2/3 missing",
    ]);
    expect(state.repos["/x/x"]!.status).toBe("converted");
    expect(Object.keys(state.repos)).toHaveLength(2);
    const usage = await runCli(["--merge", a, "--org", "acme"]);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/--merge takes state files only/);
  });
});
