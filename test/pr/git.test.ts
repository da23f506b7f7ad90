// PR mode against real git: bare repositories on disk as remotes, no code host.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../src/index.js";
import { runPr, type PrOptions } from "../../src/pr/run.js";
import { readState } from "../../src/pr/state.js";
import {
  branches,
  git,
  GO_DOCKERFILE,
  makeRemote,
  PLAIN_DOCKERFILE,
  refSha,
  showBytes,
  showFile,
  tmpDir,
} from "./helpers.js";
import { fixturesDir } from "../helpers.js";

const BRANCH = "msb-migrate/multi-stage";
const author = { name: "Migrator", email: "migrator@example.test" };

let root: string;
let remotes: Record<string, string>;
let mainBefore: Record<string, string>;
let reposFile: string;

function options(over: Partial<PrOptions> = {}): PrOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    repos: reposFile,
    host: null,
    branch: BRANCH,
    dryRun: false,
    push: true,
    openPr: false,
    draft: false,
    labels: [],
    reviewers: [],
    assignees: [],
    conflictStrategy: "skip",
    jobs: 2,
    prIntervalMs: 0,
    stateFile: path.join(root, "state.json"),
    verify: false,
    author,
    log: (l) => lines.push(l),
    lines,
    ...over,
  };
}

beforeAll(() => {
  root = tmpDir();
  remotes = {
    api: makeRemote(root, "acme/api", { Dockerfile: GO_DOCKERFILE }),
    multi: makeRemote(root, "acme/multi", {
      "cmd/a/Dockerfile": GO_DOCKERFILE,
      "cmd/b/b.Dockerfile": GO_DOCKERFILE.replaceAll("/out/app", "/out/b"),
      // Builds /out/c but runs /out/app: the engine cannot tell the artifact and leaves it.
      "cmd/c/Dockerfile": GO_DOCKERFILE.replace("-o /out/app", "-o /out/c"),
      "web/Dockerfile": PLAIN_DOCKERFILE,
      "node_modules/x/Dockerfile": GO_DOCKERFILE,
    }),
    docs: makeRemote(root, "acme/docs", { "docs/index.md": "hello\n" }),
    locked: makeRemote(root, "acme/locked", { Dockerfile: GO_DOCKERFILE }, { refusePush: true }),
  };
  mainBefore = Object.fromEntries(
    Object.entries(remotes).map(([k, b]) => [k, refSha(b, "refs/heads/main")!]),
  );
  reposFile = path.join(root, "repos.txt");
  writeFileSync(
    reposFile,
    [
      "# repositories to migrate",
      ...Object.values(remotes).map((b) => `${b}  # bare remote`),
      "",
    ].join("\n"),
  );
});

describe("pr against bare git remotes", () => {
  it("dry run converts and reports but pushes nothing", async () => {
    const o = options({ dryRun: true, stateFile: path.join(root, "dry-state.json") });
    const { records } = await runPr(o);
    const by = Object.fromEntries(records.map((r) => [path.basename(r.source, ".git"), r]));
    expect(by.api!.status).toBe("converted");
    expect(by.api!.action).toMatch(/^dry run: would push 1 file\(s\) to new branch/);
    expect(by.api!.body).toContain("docker build --target builder");
    expect(by.docs!.status).toBe("unchanged");
    expect(by.locked!.status).toBe("converted");
    for (const b of Object.values(remotes)) expect(branches(b)).toEqual(["main"]);
  });

  it("pushes one branch per repository with converted files, never touching main", async () => {
    const o = options();
    const { records } = await runPr(o);
    const by = Object.fromEntries(records.map((r) => [path.basename(r.source, ".git"), r]));

    // Converted: a branch with one commit on top of main, marked as ours, files converted.
    expect(by.api!.status).toBe("converted");
    expect(branches(remotes.api!)).toEqual(["main", BRANCH]);
    const tip = refSha(remotes.api!, `refs/heads/${BRANCH}`)!;
    expect(by.api!.commit).toBe(tip);
    expect(git(remotes.api!, "rev-parse", `${tip}^`).trim()).toBe(mainBefore.api);
    const msg = git(remotes.api!, "log", "-1", "--format=%B", tip);
    expect(msg).toContain("Convert Dockerfile to a multi-stage build");
    expect(msg).toMatch(/\n\nGenerated-by: msb-migrate\s*$/);
    expect(
      git(remotes.api!, "log", "-1", "--format=%(trailers:key=Generated-by,valueonly)", tip).trim(),
    ).toBe("msb-migrate");
    expect(git(remotes.api!, "log", "-1", "--format=%an <%ae>|%cn <%ce>", tip).trim()).toBe(
      "Migrator <migrator@example.test>|Migrator <migrator@example.test>",
    );
    const converted = showFile(remotes.api!, BRANCH, "Dockerfile");
    expect(converted).toBe(convert(GO_DOCKERFILE, { path: "Dockerfile" }).output);
    expect(converted).toContain("FROM golang:1.19-bookworm AS builder");

    // Several files: both Go files converted, the nginx one left, node_modules never entered.
    expect(by.multi!.files.map((f) => `${f.path}:${f.decision}`)).toEqual([
      "cmd/a/Dockerfile:converted",
      "cmd/b/b.Dockerfile:converted",
      "cmd/c/Dockerfile:skipped",
      "web/Dockerfile:unchanged",
    ]);
    const changed = git(remotes.multi!, "diff", "--name-only", "main", BRANCH).trim().split("\n");
    expect(changed).toEqual(["cmd/a/Dockerfile", "cmd/b/b.Dockerfile"]);
    expect(by.multi!.diffStat).toMatch(/2 files changed/);

    // Nothing to convert: no branch.
    expect(by.docs!.status).toBe("unchanged");
    expect(by.docs!.action).toBe("nothing to convert: no branch, no PR");
    expect(branches(remotes.docs!)).toEqual(["main"]);

    // Refused push: failed with git's reason, the others unaffected.
    expect(by.locked!.status).toBe("failed");
    expect(by.locked!.error).toMatch(/pre-receive hook declined|push refused by policy/);
    expect(branches(remotes.locked!)).toEqual(["main"]);

    // Default branches untouched everywhere.
    for (const [k, b] of Object.entries(remotes))
      expect(refSha(b, "refs/heads/main")).toBe(mainBefore[k]);

    // State file: one record per repository with status, branch, commit, error.
    const state = await readState(o.stateFile!);
    expect(Object.keys(state.repos).sort()).toEqual(Object.values(remotes).sort());
    expect(state.repos[remotes.api!]).toMatchObject({
      status: "converted",
      branch: BRANCH,
      commit: tip,
    });
    expect(state.repos[remotes.locked!]).toMatchObject({ status: "failed" });
    expect(state.repos[remotes.locked!]!.error).toBeTruthy();
  });

  it("reruns safely: skip leaves the branch, replace keeps it when nothing changed", async () => {
    const tip = refSha(remotes.api!, `refs/heads/${BRANCH}`)!;
    const skip = await runPr(options({ stateFile: null }));
    const api = skip.records.find((r) => r.source === remotes.api)!;
    expect(api.status).toBe("skipped");
    expect(api.reason).toMatch(/exists \(--conflict-strategy skip\)/);
    expect(refSha(remotes.api!, `refs/heads/${BRANCH}`)).toBe(tip);

    const rep = await runPr(options({ conflictStrategy: "replace", stateFile: null }));
    const api2 = rep.records.find((r) => r.source === remotes.api)!;
    expect(api2.action).toBe("branch up to date");
    expect(refSha(remotes.api!, `refs/heads/${BRANCH}`)).toBe(tip);
  });

  it("replace force-pushes only branches made by the tool", async () => {
    // Someone adds a commit to the tool's branch: it is no longer ours to replace.
    const work = tmpDir();
    git(work, "clone", "--quiet", "-b", BRANCH, remotes.multi!, ".");
    writeFileSync(path.join(work, "NOTES.md"), "reviewer notes\n");
    git(work, "add", "NOTES.md");
    git(work, "commit", "--quiet", "-m", "notes by a person");
    git(work, "push", "--quiet", "origin", `HEAD:${BRANCH}`);
    const theirs = refSha(remotes.multi!, `refs/heads/${BRANCH}`)!;

    // And the api branch gets an outdated tool commit so replace has something to do.
    const w2 = tmpDir();
    git(w2, "clone", "--quiet", remotes.api!, ".");
    writeFileSync(path.join(w2, "Dockerfile"), "FROM scratch\n");
    git(w2, "commit", "--quiet", "-am", "old conversion\n\nGenerated-by: msb-migrate");
    git(w2, "push", "--quiet", "--force", "origin", `HEAD:${BRANCH}`);
    const old = refSha(remotes.api!, `refs/heads/${BRANCH}`)!;

    const { records } = await runPr(options({ conflictStrategy: "replace", stateFile: null }));
    const multi = records.find((r) => r.source === remotes.multi)!;
    expect(multi.status).toBe("skipped");
    expect(multi.reason).toMatch(/commits not made by msb-migrate/);
    expect(refSha(remotes.multi!, `refs/heads/${BRANCH}`)).toBe(theirs);

    const api = records.find((r) => r.source === remotes.api)!;
    expect(api.action).toBe("branch replaced");
    const now = refSha(remotes.api!, `refs/heads/${BRANCH}`)!;
    expect(now).not.toBe(old);
    expect(git(remotes.api!, "rev-parse", `${now}^`).trim()).toBe(mainBefore.api);
  });

  it("--only-failed reruns just the failed repositories from the state file", async () => {
    const stateFile = path.join(root, "state.json");
    const { records } = await runPr(
      options({ repos: undefined, onlyFailed: stateFile, stateFile }),
    );
    expect(records.map((r) => r.source)).toEqual([remotes.locked]);
    // The rerun updates that record and keeps the others.
    const state = await readState(stateFile);
    expect(Object.keys(state.repos)).toHaveLength(4);
    expect(state.repos[remotes.api!]!.status).toBe("converted");
  });

  it("refuses a branch name equal to the base", async () => {
    const { records } = await runPr(options({ branch: "main", stateFile: null }));
    for (const r of records.filter((x) => x.files.length || x.status === "failed")) {
      expect(r.status).toBe("failed");
      expect(r.error).toMatch(/refusing to use branch 'main'/);
    }
    for (const [k, b] of Object.entries(remotes))
      expect(refSha(b, "refs/heads/main")).toBe(mainBefore[k]);
  });

  it("commits the engine's output byte for byte (CRLF, BOM, no final newline)", async () => {
    const fx = (name: string, file = "Dockerfile") =>
      readFileSync(path.join(fixturesDir, name, file));
    const cases = ["go-crlf", "go-bom", "go-no-final-newline"];
    const bare = makeRemote(
      root,
      "acme/bytes",
      Object.fromEntries(cases.map((c) => [`${c}/Dockerfile`, fx(c)])),
    );
    const list = path.join(root, "bytes.txt");
    writeFileSync(list, `${bare}\n`);
    const { records } = await runPr(options({ repos: list, stateFile: null }));
    expect(records[0]!.status).toBe("converted");
    for (const c of cases) {
      expect(showBytes(bare, BRANCH, `${c}/Dockerfile`).equals(fx(c, "Dockerfile.expected"))).toBe(
        true,
      );
    }
  });

  it("without a git identity: a dry run still works, a push asks for --author", async () => {
    const bare = makeRemote(root, "acme/anon", { Dockerfile: GO_DOCKERFILE });
    const list = path.join(root, "anon.txt");
    writeFileSync(list, `${bare}\n`);
    const home = process.env.HOME;
    process.env.HOME = tmpDir("msb-empty-home-");
    try {
      const dry = await runPr(
        options({ repos: list, author: undefined, dryRun: true, stateFile: null }),
      );
      expect(dry.records[0]!.status).toBe("converted");
      const real = await runPr(options({ repos: list, author: undefined, stateFile: null }));
      expect(real.records[0]!.error).toMatch(
        /^no git identity for the commit: .* or pass --author/,
      );
      expect(branches(bare)).toEqual(["main"]);
    } finally {
      process.env.HOME = home;
    }
  });

  it("--base picks the branch to start from; a missing base is a clear failure", async () => {
    const bare = makeRemote(root, "acme/rel", { Dockerfile: GO_DOCKERFILE });
    const work = tmpDir();
    git(work, "clone", "--quiet", bare, ".");
    git(work, "checkout", "--quiet", "-b", "release");
    writeFileSync(path.join(work, "CHANGELOG"), "1.0\n");
    git(work, "add", "CHANGELOG");
    git(work, "commit", "--quiet", "-m", "release");
    git(work, "push", "--quiet", "origin", "release");
    const list = path.join(root, "rel.txt");
    writeFileSync(list, `${bare}\n`);
    const ok = await runPr(options({ repos: list, base: "release", stateFile: null }));
    expect(ok.records[0]!.base).toBe("release");
    const tip = refSha(bare, `refs/heads/${BRANCH}`)!;
    expect(git(bare, "rev-parse", `${tip}^`).trim()).toBe(refSha(bare, "refs/heads/release"));
    const bad = await runPr(options({ repos: list, base: "develop", stateFile: null }));
    expect(bad.records[0]!.error).toBe("base branch 'develop' not found on the remote");
  });

  it("uses a local checkout in place without touching its working tree", async () => {
    const dir = tmpDir();
    const co = path.join(dir, "svc");
    git(dir, "clone", "--quiet", remotes.api!.replace("api.git", "api.git"), co);
    // A fresh remote for this checkout so the branch does not exist yet.
    const bare = makeRemote(root, "acme/svc", { "deploy/Containerfile": GO_DOCKERFILE });
    git(co, "remote", "set-url", "origin", bare);
    git(co, "fetch", "--quiet", "origin");
    writeFileSync(path.join(co, "dirty.txt"), "uncommitted\n");
    const headBefore = git(co, "rev-parse", "HEAD").trim();
    const { records } = await runPr(options({ repos: dir, stateFile: null }));
    expect(records).toHaveLength(1);
    expect(records[0]!.status).toBe("converted");
    expect(records[0]!.files.map((f) => f.path)).toEqual(["deploy/Containerfile"]);
    expect(branches(bare)).toEqual(["main", BRANCH]);
    expect(git(co, "rev-parse", "HEAD").trim()).toBe(headBefore);
    expect(readFileSync(path.join(co, "dirty.txt"), "utf8")).toBe("uncommitted\n");
    expect(git(co, "worktree", "list").trim().split("\n")).toHaveLength(1);
    expect(existsSync(path.join(co, "Dockerfile"))).toBe(true);
  });
});
