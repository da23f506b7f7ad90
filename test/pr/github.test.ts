// `msb-migrate pr --github` end to end: real git remotes on disk, a loopback server speaking the
// GitHub REST API, driven through @octokit/rest.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearSecrets } from "../../src/pr/redact.js";
import { runCli, sleeps } from "./cli.js";
import {
  branches,
  fakeGitHub,
  GO_DOCKERFILE,
  makeRemote,
  PLAIN_DOCKERFILE,
  refSha,
  tmpDir,
} from "./helpers.js";

const TOKEN = "ghp_TESTtokenTESTtokenTESTtoken0123456789";
const URL_SECRET = "s3cr3t-in-url-0123456789";
const BRANCH = "msb-migrate/multi-stage";

let root: string;
let gh: Awaited<ReturnType<typeof fakeGitHub>>;
let remotes: Record<string, string>;
let reposFile: string;
const outputs: string[] = [];

async function run(args: string[]) {
  const r = await runCli([
    "--github",
    gh.url,
    "--author",
    "Bot <bot@example.test>",
    "--jobs",
    "2",
    ...args,
  ]);
  outputs.push(r.stdout, r.stderr);
  if (process.env.SHOW_OUT) console.log(args.join(" "), "\n", r.stdout, r.stderr);
  return r;
}

const posts = (re: RegExp) => gh.requests.filter((r) => r.method === "POST" && re.test(r.path));

beforeAll(async () => {
  process.env.GITHUB_TOKEN = TOKEN;
  root = tmpDir();
  remotes = {
    api: makeRemote(root, "acme/api", { Dockerfile: GO_DOCKERFILE }),
    multi: makeRemote(root, "acme/multi", {
      "a/Dockerfile": GO_DOCKERFILE,
      "web/Dockerfile": PLAIN_DOCKERFILE,
    }),
    docs: makeRemote(root, "acme/docs", { "README.txt": "no docker here\n" }),
    locked: makeRemote(root, "acme/locked", { Dockerfile: GO_DOCKERFILE }, { refusePush: true }),
    late: makeRemote(root, "acme/late", { Dockerfile: GO_DOCKERFILE }),
    old: makeRemote(root, "acme/old", { Dockerfile: GO_DOCKERFILE }),
  };
  gh = await fakeGitHub([
    ...Object.entries(remotes).map(([k, b]) => ({
      slug: `acme/${k}`,
      cloneUrl: b,
      archived: k === "old",
    })),
    { slug: "acme/ghost", cloneUrl: "unused" },
  ]);
  reposFile = path.join(root, "repos.txt");
  writeFileSync(
    reposFile,
    [
      "# platform repositories",
      `${remotes.api} acme/api`,
      `${remotes.multi} acme/multi`,
      `${remotes.docs} acme/docs   # nothing to convert`,
      `${remotes.locked} acme/locked`,
      "",
    ].join("\n"),
  );
});

beforeEach(() => {
  sleeps.length = 0;
});

afterAll(async () => {
  delete process.env.GITHUB_TOKEN;
  clearSecrets();
  await gh.close();
});

describe("pr --github", () => {
  it("opens one PR per converted repository with labels, reviewers, assignees", async () => {
    const state = path.join(root, "state.json");
    const report = path.join(root, "report.md");
    const r = await run([
      "--repos",
      reposFile,
      "--open-pr",
      "--draft",
      "--labels",
      "docker,platform",
      "--reviewers",
      "alice",
      "--assignees",
      "bob",
      "--pr-interval",
      "5",
      "--state",
      state,
      "--report",
      report,
    ]);
    expect(r.stdout).toMatch(/^4 repositories: 2 converted, 1 unchanged, 0 skipped, 1 failed$/m);
    expect(r.exitCode).toBe(1);

    // Every API call carries the token, as GitHub expects it.
    for (const q of gh.requests) expect(q.headers.authorization).toBe(`token ${TOKEN}`);

    const created = posts(/^\/repos\/acme\/[a-z]+\/pulls$/);
    expect(created.map((q) => q.path).sort()).toEqual([
      "/repos/acme/api/pulls",
      "/repos/acme/multi/pulls",
    ]);
    const api = created.find((q) => q.path.includes("/api/"))!.body as Record<string, unknown>;
    expect(api).toMatchObject({
      head: BRANCH,
      base: "main",
      draft: true,
      title: "Convert Dockerfile to a multi-stage build",
    });
    expect(api.body).toContain("docker build --target builder .");
    expect(api.body).toContain("## Diff stat");
    const multi = created.find((q) => q.path.includes("/multi/"))!.body as Record<string, unknown>;
    expect(multi.body).toContain("`web/Dockerfile`: unchanged");
    expect(multi.body).toContain("docker build --target builder a");

    // Existing PRs were looked up first (by head) so none is ever duplicated.
    const lookups = gh.requests.filter(
      (q) => q.method === "GET" && q.path === "/repos/acme/api/pulls",
    );
    expect(lookups[0]!.query.get("head")).toBe(`acme:${BRANCH}`);
    expect(lookups[0]!.query.get("state")).toBe("all");

    expect(posts(/\/issues\/1\/labels$/).map((q) => q.body)).toEqual([
      { labels: ["docker", "platform"] },
      { labels: ["docker", "platform"] },
    ]);
    expect(posts(/\/pulls\/1\/requested_reviewers$/)[0]!.body).toEqual({ reviewers: ["alice"] });
    expect(posts(/\/issues\/1\/assignees$/)[0]!.body).toEqual({ assignees: ["bob"] });

    // Pacing: the second PR waited for the interval.
    expect(sleeps.some((ms) => ms > 4000 && ms <= 5000)).toBe(true);

    // Git: branches where converted, none for docs, none for the refused push; main untouched.
    expect(branches(remotes.api!)).toEqual(["main", BRANCH]);
    expect(branches(remotes.docs!)).toEqual(["main"]);
    expect(branches(remotes.locked!)).toEqual(["main"]);
    expect(posts(/\/acme\/(docs|locked)\/pulls$/)).toHaveLength(0);

    const st = JSON.parse(readFileSync(state, "utf8"));
    expect(st.repos[remotes.api!]).toMatchObject({
      status: "converted",
      branch: BRANCH,
      commit: refSha(remotes.api!, `refs/heads/${BRANCH}`),
      prUrl: "https://github.example.test/acme/api/pull/1",
    });
    expect(st.repos[remotes.locked!].status).toBe("failed");
    expect(st.repos[remotes.locked!].error).toMatch(/pre-receive hook declined|push refused/);
    const md = readFileSync(report, "utf8");
    expect(md).toContain("| 2 | 1 | 0 | 1 |");
    expect(md).toContain("https://github.example.test/acme/multi/pull/1");
    outputs.push(readFileSync(state, "utf8"), md);
  });

  it("a rerun finds the open PRs and creates no duplicate", async () => {
    const before = posts(/\/pulls$/).length;
    const r = await run([
      "--repos",
      reposFile,
      "--open-pr",
      "--pr-interval",
      "0",
      "--state",
      path.join(root, "s2.json"),
    ]);
    expect(posts(/\/pulls$/)).toHaveLength(before);
    expect(r.stdout).toMatch(
      /skipped +acme\/api: branch msb-migrate\/multi-stage exists \(--conflict-strategy skip\) https:\/\/github.example.test\/acme\/api\/pull\/1/,
    );
    expect(gh.pulls.get("acme/api")).toHaveLength(1);
  });

  it("--conflict-strategy replace updates the existing PR instead of opening another", async () => {
    const before = posts(/\/pulls$/).length;
    await run([
      "--repos",
      reposFile,
      "--open-pr",
      "--conflict-strategy",
      "replace",
      "--pr-interval",
      "0",
      "--title",
      "chore({{repo}}): multi-stage for {{count}} file(s)",
      "--state",
      path.join(root, "s3.json"),
    ]);
    expect(posts(/\/pulls$/)).toHaveLength(before);
    const patches = gh.requests.filter((q) => q.method === "PATCH");
    expect(patches.map((q) => q.path).sort()).toEqual([
      "/repos/acme/api/pulls/1",
      "/repos/acme/multi/pulls/1",
    ]);
    expect(gh.pulls.get("acme/api")![0]!.title).toBe("chore(acme/api): multi-stage for 1 file(s)");
  });

  it("waits out a secondary rate limit (403 + Retry-After) and then opens the PR", async () => {
    const file = path.join(root, "late.txt");
    writeFileSync(file, `${remotes.late} acme/late\n`);
    gh.failNext("POST", /^\/repos\/acme\/late\/pulls$/, 1, {
      status: 403,
      headers: { "retry-after": "7" },
      body: {
        message:
          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      },
    });
    const r = await run([
      "--repos",
      file,
      "--open-pr",
      "--pr-interval",
      "0",
      "--state",
      path.join(root, "s4.json"),
    ]);
    expect(r.exitCode).toBe(0);
    expect(sleeps).toContain(7000);
    expect(r.stderr).toMatch(/rate limited \(HTTP 403\), waiting 7s/);
    expect(posts(/^\/repos\/acme\/late\/pulls$/)).toHaveLength(2);
    expect(gh.pulls.get("acme/late")).toHaveLength(1);
  });

  it("gives up with a clear message when the wait exceeds the bound", async () => {
    const file = path.join(root, "late2.txt");
    writeFileSync(file, `${remotes.late} acme/late\n`);
    gh.failNext("GET", /^\/repos\/acme\/late$/, 1, {
      status: 403,
      headers: {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 7200),
      },
      body: { message: "API rate limit exceeded" },
    });
    const r = await run(["--repos", file, "--open-pr", "--state", path.join(root, "s5.json")]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(
      /failed +acme\/late: GitHub GET \/repos\/\{owner\}\/\{repo\}: rate limited \(HTTP 403\); the server asks to wait \d+s, more than the 900s bound/,
    );
  });

  it("--org lists repositories page by page; --dry-run writes nothing anywhere", async () => {
    const before = gh.requests.length;
    const shas = Object.fromEntries(Object.entries(remotes).map(([k, b]) => [k, branches(b)]));
    const r = await run([
      "--org",
      "acme",
      "--dry-run",
      "--open-pr",
      "--state",
      path.join(root, "s6.json"),
    ]);
    const mine = gh.requests.slice(before);
    const pages = mine.filter((q) => q.path === "/orgs/acme/repos");
    expect(pages.map((q) => q.query.get("page") ?? "1")).toEqual(["1", "2", "3", "4"]);
    expect(mine.every((q) => q.method === "GET")).toBe(true);
    for (const [k, b] of Object.entries(remotes)) expect(branches(b)).toEqual(shas[k]);
    expect(r.stdout).toMatch(/skipped +acme\/old: archived/);
    expect(r.stderr).toMatch(
      /acme\/late: dry run: would .*leave https:\/\/github.example.test\/acme\/late\/pull\/1/,
    );
  });

  it("a closed PR is an answer: skip opens no other, replace opens a new one", async () => {
    const file = path.join(root, "late3.txt");
    writeFileSync(file, `${remotes.late} acme/late\n`);
    gh.pulls.get("acme/late")![0]!.state = "closed";
    const before = posts(/^\/repos\/acme\/late\/pulls$/).length;
    const skip = await run(["--repos", file, "--open-pr", "--state", path.join(root, "s8.json")]);
    expect(skip.stdout).toMatch(
      /skipped +acme\/late: a PR for msb-migrate\/multi-stage was closed; not opening another/,
    );
    expect(posts(/^\/repos\/acme\/late\/pulls$/)).toHaveLength(before);
    const rep = await run([
      "--repos",
      file,
      "--open-pr",
      "--conflict-strategy",
      "replace",
      "--state",
      path.join(root, "s9.json"),
    ]);
    expect(rep.stdout).toMatch(
      /converted +acme\/late: branch up to date, PR created https:\/\/github.example.test\/acme\/late\/pull\/2/,
    );
    expect(gh.pulls.get("acme/late")!.map((p) => p.state)).toEqual(["closed", "open"]);
  });

  it("rejects contradictory options with one line and exit code 2", async () => {
    const both = await run(["--repos", reposFile, "--org", "acme"]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toBe("msb-migrate pr: give either --repos or --org/--group, not both\n");
    const group = await run(["--group", "acme"]);
    expect(group.stderr).toBe("msb-migrate pr: --group is for GitLab; use --org with --github\n");
  });

  it("never prints a token, from the environment or inside a clone URL", async () => {
    const file = path.join(root, "ghost.txt");
    writeFileSync(
      file,
      `http://x-access-token:${URL_SECRET}@127.0.0.1:9/acme/ghost.git acme/ghost\n`,
    );
    const r = await run([
      "--repos",
      file,
      "--open-pr",
      "--state",
      path.join(root, "s7.json"),
      "--report",
      path.join(root, "r7.json"),
    ]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/failed +acme\/ghost: /);
    outputs.push(
      readFileSync(path.join(root, "s7.json"), "utf8"),
      readFileSync(path.join(root, "r7.json"), "utf8"),
    );
    const all = outputs.join("\n");
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(URL_SECRET);
    expect(all.length).toBeGreaterThan(1000);
  });
});
