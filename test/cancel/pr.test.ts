// Cancelled `pr` runs through the real executable, against bare repositories on disk standing in
// for remotes (cloned), local checkouts of them (worked on through temporary worktrees) and, for
// --open-pr, the loopback GitHub of test/pr/helpers.ts. After SIGINT or SIGTERM part-way: the
// exit code names the signal, no temporary clone or worktree is left, the user's checkouts are
// on the branch they were on, the state file holds every repository (those not done marked
// cancelled), and --only-failed finishes the job without a duplicate PR.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RepoRecord, StateFile } from "../../src/pr/state.js";
import { branches, fakeGitHub, git, GO_DOCKERFILE, makeRemote, refSha } from "../pr/helpers.js";
import { tempDir } from "../tmp.js";
import { childTmp, runAndSignal } from "./signal.js";

const BRANCH = "msb-migrate/multi-stage";
const AUTHOR = "Migrator <migrator@example.test>";

/** Log lines of repositories done: "<name>: converted: pushed…". */
const doneCount = (stderr: string) => (stderr.match(/: converted: /g) ?? []).length;

interface Fleet {
  root: string;
  reposFile: string;
  bares: string[];
  /** Local checkouts (of some of the bares), each on a branch of the user's own. */
  checkouts: { dir: string; branch: string }[];
}

/** `count` remotes; every other one is also checked out locally and listed by its checkout. */
function makeFleet(count: number, withSlugs: boolean): Fleet {
  const root = tempDir("msb-cancel-pr-");
  const bares: string[] = [];
  const checkouts: Fleet["checkouts"] = [];
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const slug = `acme/svc-${i}`;
    const bare = makeRemote(path.join(root, "remotes"), slug, { Dockerfile: GO_DOCKERFILE });
    bares.push(bare);
    if (!withSlugs && i % 2 === 1) {
      const dir = path.join(root, "checkouts", `svc-${i}`);
      git(root, "clone", "--quiet", bare, dir);
      git(dir, "checkout", "--quiet", "-b", `work-${i}`);
      checkouts.push({ dir, branch: `work-${i}` });
      lines.push(dir);
    } else lines.push(withSlugs ? `${bare} ${slug}` : bare);
  }
  const reposFile = path.join(root, "repos.txt");
  writeFileSync(reposFile, lines.join("\n") + "\n");
  return { root, reposFile, bares, checkouts };
}

/** Worktrees registered in a checkout besides its own (git keeps them in .git/worktrees). */
function worktreeCount(checkout: string): number {
  try {
    return readdirSync(path.join(checkout, ".git", "worktrees")).length;
  } catch {
    return 0;
  }
}

function readStateFile(file: string): Record<string, RepoRecord> {
  return (JSON.parse(readFileSync(file, "utf8")) as StateFile).repos;
}

/** The user's checkouts are as they were: same branch, clean, no worktree of ours registered. */
function expectCheckoutsUntouched(fleet: Fleet): void {
  for (const c of fleet.checkouts) {
    expect(git(c.dir, "branch", "--show-current").trim()).toBe(c.branch);
    expect(git(c.dir, "status", "--porcelain")).toBe("");
    const worktrees = git(c.dir, "worktree", "list", "--porcelain")
      .split("\n")
      .filter((l) => l.startsWith("worktree "));
    expect(worktrees).toEqual([`worktree ${c.dir}`]);
    expect(git(c.dir, "branch", "--list", BRANCH)).toBe("");
  }
}

/** A record's status against the remote: converted means the branch is there at its commit. */
function expectRecordsMatchRemotes(records: Record<string, RepoRecord>, fleet: Fleet): void {
  for (const rec of Object.values(records)) {
    if (rec.status !== "converted") continue;
    // Named by the bare repository (svc-1.git) or the checkout (svc-1).
    const name = path.basename(rec.repo).replace(/\.git$/, "");
    const bare = fleet.bares.find((b) => path.basename(b) === `${name}.git`)!;
    expect(refSha(bare, `refs/heads/${BRANCH}`)).toBe(rec.commit);
  }
}

describe("pr cancelled part-way (--push)", () => {
  const cases: { signal: NodeJS.Signals; after: number; jobs: string }[] = [
    { signal: "SIGINT", after: 1, jobs: "1" },
    { signal: "SIGTERM", after: 3, jobs: "2" },
  ];
  for (const c of cases) {
    it(`${c.signal} after ${c.after} repositor${c.after === 1 ? "y" : "ies"}, --jobs ${c.jobs}`, async () => {
      const fleet = makeFleet(10, false);
      const state = path.join(fleet.root, "state.json");
      const tmp = childTmp();
      const args = ["pr", "--repos", fleet.reposFile, "--push", "--author", AUTHOR];
      const r = await runAndSignal([...args, "--jobs", c.jobs, "--state", state], {
        when: (err) => doneCount(err) >= c.after,
        signal: c.signal,
        cwd: fleet.root,
        env: tmp.env,
      });
      expect(r.signalled).toBe(true);
      expect(r.code, r.stderr).toBe(c.signal === "SIGINT" ? 130 : 143);
      expect(tmp.leftovers()).toEqual([]);
      expectCheckoutsUntouched(fleet);

      const records = readStateFile(state);
      expect(Object.keys(records)).toHaveLength(10);
      const done = Object.values(records).filter((x) => x.status === "converted");
      const cancelled = Object.values(records).filter((x) => x.cancelled);
      expect(done.length).toBeGreaterThanOrEqual(c.after);
      expect(cancelled.length).toBeGreaterThan(0);
      expect(done.length + cancelled.length).toBe(10);
      for (const x of cancelled) expect(x.status).toBe("failed");
      expect(r.stderr).toMatch(/msb-migrate pr: cancelled: \d+ repositor(y|ies) not done/);
      expectRecordsMatchRemotes(records, fleet);

      // --only-failed resumes: the rest get their branch, nothing is left failed.
      const again = await runAndSignal(
        ["pr", "--only-failed", state, "--push", "--author", AUTHOR, "--state", state],
        { when: () => false, signal: "SIGINT", cwd: fleet.root },
      );
      expect(again.code, again.stderr).toBe(0);
      const after = readStateFile(state);
      expect(Object.values(after).filter((x) => x.status === "failed")).toEqual([]);
      for (const bare of fleet.bares) expect(branches(bare)).toEqual(["main", BRANCH]);
      expectCheckoutsUntouched(fleet);
    }, 180_000);
  }
});

it("SIGINT while a checkout's temporary worktree is live: removed, the checkout as it was", async () => {
  const fleet = makeFleet(6, false);
  const state = path.join(fleet.root, "state.json");
  const target = fleet.checkouts[1]!.dir;
  const tmp = childTmp();
  const r = await runAndSignal(
    [
      "pr",
      "--repos",
      fleet.reposFile,
      "--push",
      "--author",
      AUTHOR,
      "--jobs",
      "1",
      "--state",
      state,
    ],
    {
      when: () => false,
      whenOnDisk: () => worktreeCount(target) > 0,
      signal: "SIGINT",
      cwd: fleet.root,
      env: tmp.env,
    },
  );
  expect(r.signalled).toBe(true);
  expect(r.code, r.stderr).toBe(130);
  expect(tmp.leftovers()).toEqual([]);
  expectCheckoutsUntouched(fleet);
  const records = readStateFile(state);
  expect(Object.keys(records)).toHaveLength(6);
  // The repository in progress either finished before its next step or stopped there.
  const rec = records[target]!;
  if (rec.status !== "converted") {
    expect(rec).toMatchObject({ status: "failed", cancelled: true });
    expect(rec.action).toMatch(/^interrupted/);
  }
  expectRecordsMatchRemotes(records, fleet);
}, 120_000);

describe("pr --open-pr cancelled part-way", () => {
  let forge: Awaited<ReturnType<typeof fakeGitHub>> | undefined;
  afterAll(async () => forge?.close());

  it("SIGTERM: every repository ends with exactly one PR after --only-failed", async () => {
    const fleet = makeFleet(8, true);
    forge = await fakeGitHub(fleet.bares.map((b, i) => ({ slug: `acme/svc-${i}`, cloneUrl: b })));
    const state = path.join(fleet.root, "state.json");
    const tmp = childTmp();
    const args = ["pr", "--github", forge.url, "--open-pr", "--pr-interval", "0"];
    const common = [...args, "--author", AUTHOR, "--state", state];
    const env = { ...tmp.env, GITHUB_TOKEN: "t0ken-for-tests" };
    const r = await runAndSignal([...common, "--repos", fleet.reposFile, "--jobs", "2"], {
      when: (err) => doneCount(err) >= 2,
      signal: "SIGTERM",
      cwd: fleet.root,
      env,
    });
    expect(r.code, r.stderr).toBe(143);
    expect(tmp.leftovers()).toEqual([]);
    const records = readStateFile(state);
    expect(Object.keys(records)).toHaveLength(8);
    expect(Object.values(records).some((x) => x.cancelled)).toBe(true);
    for (const x of Object.values(records).filter((y) => y.status === "converted"))
      expect(x.prUrl).toMatch(/\/pull\/1$/);

    const again = await runAndSignal([...common, "--only-failed", state], {
      when: () => false,
      signal: "SIGINT",
      cwd: fleet.root,
      env,
    });
    expect(again.code, again.stderr).toBe(0);
    for (let i = 0; i < 8; i++) {
      const open = (forge.pulls.get(`acme/svc-${i}`) ?? []).filter((p) => p.state === "open");
      expect(open.map((p) => p.head)).toEqual([BRANCH]);
    }
    expect(Object.values(readStateFile(state)).filter((x) => x.status === "failed")).toEqual([]);
  }, 180_000);
});
