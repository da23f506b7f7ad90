// `msb-migrate pr --gitlab` end to end: real git remotes on disk, a loopback server speaking the
// GitLab REST API (v4), driven through @gitbeaker/rest.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearSecrets } from "../../src/pr/redact.js";
import { runCli, sleeps } from "./cli.js";
import {
  branches,
  fakeGitLab,
  GO_DOCKERFILE,
  makeRemote,
  PLAIN_DOCKERFILE,
  tmpDir,
} from "./helpers.js";

const TOKEN = "glpat-TESTtokenTESTtoken0123";
const BRANCH = "msb-migrate/multi-stage";

let root: string;
let gl: Awaited<ReturnType<typeof fakeGitLab>>;
let remotes: Record<string, string>;
let reposFile: string;
const outputs: string[] = [];

async function run(args: string[]) {
  const r = await runCli([
    "--gitlab",
    gl.url,
    "--author",
    "Bot <bot@example.test>",
    "--pr-interval",
    "0",
    ...args,
  ]);
  outputs.push(r.stdout, r.stderr);
  return r;
}

const mrPosts = () =>
  gl.requests.filter((q) => q.method === "POST" && q.path.endsWith("/merge_requests"));

beforeAll(async () => {
  process.env.GITLAB_TOKEN = TOKEN;
  root = tmpDir();
  remotes = {
    svc: makeRemote(root, "platform/backend/svc", { Dockerfile: GO_DOCKERFILE }),
    site: makeRemote(root, "platform/site", { Dockerfile: PLAIN_DOCKERFILE }),
    tool: makeRemote(root, "platform/tool", { "build/tool.Dockerfile": GO_DOCKERFILE }),
  };
  gl = await fakeGitLab([
    { slug: "platform/backend/svc", cloneUrl: remotes.svc! },
    { slug: "platform/site", cloneUrl: remotes.site! },
    { slug: "platform/tool", cloneUrl: remotes.tool! },
  ]);
  reposFile = path.join(root, "repos.txt");
  writeFileSync(reposFile, `${remotes.svc} platform/backend/svc\n${remotes.site} platform/site\n`);
});

beforeEach(() => {
  sleeps.length = 0;
});

afterAll(async () => {
  delete process.env.GITLAB_TOKEN;
  clearSecrets();
  await gl.close();
});

describe("pr --gitlab", () => {
  it("opens a merge request with labels, reviewers and assignees resolved to user ids", async () => {
    const state = path.join(root, "state.json");
    const r = await run([
      "--repos",
      reposFile,
      "--open-pr",
      "--draft",
      "--labels",
      "docker",
      "--reviewers",
      "alice",
      "--assignees",
      "bob",
      "--state",
      state,
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^2 repositories: 1 converted, 1 unchanged, 0 skipped, 0 failed$/m);
    for (const q of gl.requests) expect(q.headers["private-token"]).toBe(TOKEN);

    // Nested group path, URL-encoded as one path segment.
    expect(
      gl.requests.some(
        (q) => q.method === "GET" && q.path === "/api/v4/projects/platform%2Fbackend%2Fsvc",
      ),
    ).toBe(true);
    const posts = mrPosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toMatchObject({
      source_branch: BRANCH,
      target_branch: "main",
      title: "Draft: Convert Dockerfile to a multi-stage build",
      labels: "docker",
      reviewer_ids: [11],
      assignee_ids: [12],
    });
    expect((posts[0]!.body as { description: string }).description).toContain(
      "docker build --target builder .",
    );
    const lookup = gl.requests.find(
      (q) => q.method === "GET" && q.path.endsWith("/merge_requests"),
    )!;
    expect(lookup.query.get("source_branch")).toBe(BRANCH);
    expect(lookup.query.has("state")).toBe(false); // all states: a closed MR counts too

    expect(branches(remotes.svc!)).toEqual(["main", BRANCH]);
    expect(branches(remotes.site!)).toEqual(["main"]);
    const st = JSON.parse(readFileSync(state, "utf8"));
    expect(st.repos[remotes.svc!].prUrl).toBe(
      "https://gitlab.example.test/platform/backend/svc/-/merge_requests/1",
    );
    outputs.push(readFileSync(state, "utf8"));
  });

  it("a rerun with replace edits the merge request, never opens a second", async () => {
    const r = await run([
      "--repos",
      reposFile,
      "--open-pr",
      "--conflict-strategy",
      "replace",
      "--state",
      path.join(root, "s2.json"),
    ]);
    expect(r.exitCode).toBe(0);
    expect(mrPosts()).toHaveLength(1);
    const puts = gl.requests.filter((q) => q.method === "PUT");
    expect(puts.map((q) => q.path)).toEqual([
      "/api/v4/projects/platform%2Fbackend%2Fsvc/merge_requests/1",
    ]);
    expect(gl.mrs.get("platform/backend/svc")).toHaveLength(1);
  });

  it("--group lists projects through Link pagination and honours Retry-After on 429", async () => {
    gl.failNext("POST", /\/merge_requests$/, 2, {
      status: 429,
      headers: { "retry-after": "3" },
      body: { message: "429 Too Many Requests" },
    });
    const r = await run([
      "--group",
      "platform",
      "--open-pr",
      "--state",
      path.join(root, "s3.json"),
    ]);
    const pages = gl.requests.filter((q) => q.path === "/api/v4/groups/platform/projects");
    expect(pages.map((q) => q.query.get("page") ?? "1")).toEqual(["1", "2"]);
    expect(pages[0]!.query.get("include_subgroups")).toBe("true");
    expect(r.stdout).toMatch(/^3 repositories: 1 converted, 1 unchanged, 1 skipped, 0 failed$/m);
    expect(sleeps.filter((ms) => ms === 3000)).toHaveLength(2);
    expect(gl.mrs.get("platform/tool")).toHaveLength(1);
    expect((mrPosts().at(-1)!.body as { source_branch: string }).source_branch).toBe(BRANCH);
  });

  it("gives up after the retry bound with a clear message", async () => {
    gl.failNext("GET", /^\/api\/v4\/projects\/platform%2Fsite$/, 10, {
      status: 429,
      headers: { "retry-after": "1" },
      body: { message: "429 Too Many Requests" },
    });
    const r = await run(["--repos", reposFile, "--dry-run", "--state", path.join(root, "s4.json")]);
    expect(r.stdout).toMatch(
      /failed +platform\/site: GitLab GET \/api\/v4\/projects\/platform%2Fsite: rate limited \(HTTP 429\); gave up after 5 retries/,
    );
    expect(sleeps).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it("a closed merge request is not reopened under --conflict-strategy skip", async () => {
    gl.mrs.get("platform/backend/svc")![0]!.state = "closed";
    const before = mrPosts().length;
    const r = await run(["--repos", reposFile, "--open-pr", "--state", path.join(root, "s5.json")]);
    expect(r.stdout).toMatch(
      /skipped +platform\/backend\/svc: a PR for msb-migrate\/multi-stage was closed/,
    );
    expect(mrPosts()).toHaveLength(before);
  });

  it("prints no token anywhere", () => {
    const all = outputs.join("\n");
    expect(all.length).toBeGreaterThan(500);
    expect(all).not.toContain(TOKEN);
  });
});
