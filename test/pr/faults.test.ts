// Transient forge faults, end to end through the real client libraries against the loopback
// forges: a 502 after the PR was made, a 403 with the rate limit spent, dropped connections,
// a request that never answers. Every repository ends with exactly one PR.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { prTestHooks } from "../../src/cli/commands/pr.js";
import type { Host, PrInput, PullRequest } from "../../src/pr/host.js";
import { defaultRetryPolicy, type RetryPolicy } from "../../src/pr/ratelimit.js";
import { clearSecrets } from "../../src/pr/redact.js";
import {
  createPrSafely,
  httpFailure,
  isTransient,
  opensPullRequest,
  withTransientRetry,
} from "../../src/pr/retry.js";
import { runCli, sleeps } from "./cli.js";
import { fakeGitHub, fakeGitLab, GO_DOCKERFILE, makeRemote, tmpDir } from "./helpers.js";

const SLUGS = ["a", "b", "c", "d"];
let root: string;
const savedRetry = prTestHooks.retry;

beforeAll(() => {
  root = tmpDir();
  // Short real waits where the library schedules them (plugin-retry), a short request timeout.
  prTestHooks.retry = { ...savedRetry, transientBackoffMs: 5, requestTimeoutMs: 2000 };
});

beforeEach(() => {
  sleeps.length = 0;
});

afterAll(() => {
  prTestHooks.retry = savedRetry;
  delete process.env.GITHUB_TOKEN;
  delete process.env.GITLAB_TOKEN;
  clearSecrets();
});

function reposFile(owner: string, remotes: Record<string, string>): string {
  const file = path.join(root, `${owner}.txt`);
  writeFileSync(file, SLUGS.map((k) => `${remotes[k]} ${owner}/${k}`).join("\n") + "\n");
  return file;
}

function remotesFor(owner: string): Record<string, string> {
  return Object.fromEntries(
    SLUGS.map((k) => [k, makeRemote(root, `${owner}/${k}`, { Dockerfile: GO_DOCKERFILE })]),
  );
}

describe("a forge with faults opens exactly one PR per repository", () => {
  it("GitHub: 502 after creating, 403 with the rate limit spent, dropped connections, a hang", async () => {
    process.env.GITHUB_TOKEN = "ghp_FAULTtestFAULTtestFAULTtest0123456789";
    const remotes = remotesFor("acme");
    const gh = await fakeGitHub(SLUGS.map((k) => ({ slug: `acme/${k}`, cloneUrl: remotes[k]! })));
    const reset = Math.floor(Date.now() / 1000) + 30;
    // a: the PR is made, the answer is a 502 (GitHub under load).
    gh.failNext("POST", /^\/repos\/acme\/a\/pulls$/, 1, {
      after: true,
      status: 502,
      body: { message: "Server Error" },
    });
    // b: the primary rate limit is spent: wait for the reset, look, then create.
    gh.failNext("POST", /^\/repos\/acme\/b\/pulls$/, 1, {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      body: { message: "API rate limit exceeded for installation" },
    });
    // c: the PR is made, then the connection drops before the answer.
    gh.failNext("POST", /^\/repos\/acme\/c\/pulls$/, 1, { drop: true, after: true });
    // d: reads fail: two 502s, a dropped connection, and one that never answers.
    gh.failNext("GET", /^\/repos\/acme\/d$/, 2, { status: 502, body: { message: "Bad Gateway" } });
    gh.failNext("GET", /^\/repos\/acme\/d\/pulls$/, 1, { drop: true });
    gh.failNext("GET", /^\/repos\/acme\/a$/, 1, { hang: true });
    try {
      const r = await runCli([
        "--github",
        gh.url,
        "--repos",
        reposFile("acme", remotes),
        "--open-pr",
        "--labels",
        "docker",
        "--pr-interval",
        "0",
        "--author",
        "Bot <bot@example.test>",
        "--state",
        path.join(root, "gh-state.json"),
      ]);
      expect(r.stdout).toMatch(/^4 repositories: 4 converted, 0 unchanged, 0 skipped, 0 failed$/m);
      expect(r.exitCode).toBe(0);
      for (const k of SLUGS) {
        const pulls = gh.pulls.get(`acme/${k}`)!;
        expect(
          pulls.map((p) => p.state),
          k,
        ).toEqual(["open"]);
        // Found after a fault or not, the PR carries its labels.
        expect(pulls[0]!.labels, k).toEqual(["docker"]);
      }
      const creates = (k: string) =>
        gh.requests.filter((q) => q.method === "POST" && q.path === `/repos/acme/${k}/pulls`);
      expect(SLUGS.map((k) => creates(k).length)).toEqual([1, 2, 1, 1]);
      // Each retried creation looked first.
      expect(r.stderr).toMatch(/acme\/a: GitHub PR creation for acme\/a: HTTP 502, waiting/);
      expect(r.stderr).toMatch(
        /acme\/a: .*it exists after all \(https:\/\/github\.example\.test\/acme\/a\/pull\/1\)/,
      );
      expect(r.stderr).toMatch(/acme\/c: .*it exists after all/);
      expect(r.stderr).toMatch(
        /acme\/b: .*rate limited \(HTTP 403\), waiting \d+(\.\d)?s, then looking for the PR/,
      );
      expect(sleeps.some((ms) => ms > 15_000 && ms <= 32_000)).toBe(true);
      expect(r.stderr).toContain(
        "GitHub GET /repos/{owner}/{repo}: HTTP 502, retrying (retry 1/3)",
      );
      expect(r.stderr).toContain(
        "GitHub GET /repos/{owner}/{repo}: HTTP 502, retrying (retry 2/3)",
      );
      expect(r.stderr).toMatch(
        /GitHub GET \/repos\/\{owner\}\/\{repo\}: no answer \(.*timeout\), retrying \(retry 1\/3\)/,
      );
      expect(r.stderr).toMatch(
        /GitHub GET \/repos\/\{owner\}\/\{repo\}\/pulls: no answer \(other side closed\), retrying/,
      );
      const st = JSON.parse(readFileSync(path.join(root, "gh-state.json"), "utf8"));
      const actions = Object.fromEntries(
        Object.values(st.repos as Record<string, { repo: string; action: string }>).map((x) => [
          x.repo,
          x.action,
        ]),
      );
      expect(actions).toEqual({
        "acme/a": "pushed, PR created (found after a fault)",
        "acme/b": "pushed, PR created",
        "acme/c": "pushed, PR created (found after a fault)",
        "acme/d": "pushed, PR created",
      });
    } finally {
      await gh.close();
    }
  });

  it("GitLab: the same faults, with 429 and Retry-After for the rate limit", async () => {
    process.env.GITLAB_TOKEN = "glpat-FAULTtestFAULTtest0123";
    const remotes = remotesFor("grp");
    const gl = await fakeGitLab(SLUGS.map((k) => ({ slug: `grp/${k}`, cloneUrl: remotes[k]! })));
    const mrPath = (k: string) => new RegExp(`^/api/v4/projects/grp%2F${k}/merge_requests$`);
    gl.failNext("POST", mrPath("a"), 1, { after: true, status: 502, body: { message: "502" } });
    gl.failNext("POST", mrPath("b"), 1, {
      status: 429,
      headers: { "retry-after": "12" },
      body: { message: "Retry later" },
    });
    gl.failNext("POST", mrPath("c"), 1, { drop: true, after: true });
    gl.failNext("GET", /^\/api\/v4\/projects\/grp%2Fd$/, 2, { status: 503, body: {} });
    gl.failNext("GET", mrPath("d"), 1, { drop: true });
    gl.failNext("GET", /^\/api\/v4\/projects\/grp%2Fa$/, 1, { hang: true });
    try {
      const r = await runCli([
        "--gitlab",
        gl.url,
        "--repos",
        reposFile("grp", remotes),
        "--open-pr",
        "--pr-interval",
        "0",
        "--author",
        "Bot <bot@example.test>",
        "--state",
        path.join(root, "gl-state.json"),
      ]);
      expect(r.stdout).toMatch(/^4 repositories: 4 converted, 0 unchanged, 0 skipped, 0 failed$/m);
      expect(r.exitCode).toBe(0);
      for (const k of SLUGS)
        expect(
          gl.mrs.get(`grp/${k}`)!.map((m) => m.state),
          k,
        ).toEqual(["open"]);
      const creates = (k: string) =>
        gl.requests.filter((q) => q.method === "POST" && mrPath(k).test(q.path));
      expect(SLUGS.map((k) => creates(k).length)).toEqual([1, 2, 1, 1]);
      expect(sleeps).toContain(12_000);
      expect(r.stderr).toMatch(/grp\/c: GitLab MR creation for grp\/c: no answer \(fetch failed\)/);
      expect(r.stderr).toMatch(/GitLab GET \/api\/v4\/projects\/grp%2Fd: HTTP 503, retrying/);
      expect(r.stderr).toMatch(
        /GitLab GET \/api\/v4\/projects\/grp%2Fa: no answer \(.*timeout.*\), retrying/,
      );
    } finally {
      await gl.close();
    }
  });
});

/** A host whose createPr and findPr follow a script; records every call. */
function scriptedHost(script: {
  create: (() => PullRequest)[];
  find: ((PullRequest & { open: boolean }) | null)[];
}) {
  const calls: string[] = [];
  const host: Host = {
    kind: "github",
    name: "GitHub",
    getRepo: async () => {
      throw new Error("unused");
    },
    listOrgRepos: async () => [],
    findPr: async () => {
      calls.push("find");
      return script.find.shift() ?? null;
    },
    createPr: async () => {
      calls.push("create");
      return script.create.shift()!();
    },
    updatePr: async (pr) => {
      calls.push("update");
      return pr;
    },
    gitConfig: () => ({}),
  };
  return { host, calls };
}

const input: PrInput = {
  slug: "acme/api",
  head: "msb-migrate/multi-stage",
  base: "main",
  title: "t",
  body: "b",
  draft: false,
  labels: [],
  reviewers: [],
  assignees: [],
};
const PR = { number: 7, url: "https://forge.test/acme/api/pull/7", title: "t" };
const fail = (status: number, message = "x", headers = {}) => {
  return () => {
    throw Object.assign(new Error(message), { status, response: { headers } });
  };
};

function policy(over: Partial<RetryPolicy> = {}) {
  const waits: number[] = [];
  const lines: string[] = [];
  return {
    waits,
    lines,
    policy: {
      ...defaultRetryPolicy,
      sleep: async (ms: number) => void waits.push(ms),
      log: (l: string) => void lines.push(l),
      ...over,
    } as RetryPolicy,
  };
}

describe("createPrSafely: a retried creation looks for the PR first", () => {
  it("a 502 after the PR was made: looks, finds it, completes it, creates no second one", async () => {
    const { host, calls } = scriptedHost({
      create: [fail(502)],
      find: [{ ...PR, open: true }],
    });
    const p = policy();
    const pr = await createPrSafely(host, input, p.policy);
    expect(calls).toEqual(["create", "find", "update"]);
    expect(pr).toMatchObject({ url: PR.url, recovered: true });
    expect(p.waits).toEqual([1000]);
  });

  it("a fault before the PR was made: looks, finds nothing, creates again", async () => {
    const { host, calls } = scriptedHost({
      create: [fail(503), fail(500, "fetch failed"), () => PR],
      find: [null, null],
    });
    const p = policy();
    const pr = await createPrSafely(host, input, p.policy);
    expect(calls).toEqual(["create", "find", "create", "find", "create"]);
    expect(pr.recovered).toBe(false);
    expect(p.waits).toEqual([1000, 2000]);
  });

  it("'already exists' looks at once; a closed PR or a 404 is not retried", async () => {
    const exists = scriptedHost({
      create: [fail(422, "Validation Failed: A pull request already exists for acme:b.")],
      find: [{ ...PR, open: true }],
    });
    const p = policy();
    await createPrSafely(exists.host, input, p.policy);
    expect(exists.calls).toEqual(["create", "find", "update"]);
    expect(p.waits).toEqual([]);
    const notFound = scriptedHost({ create: [fail(404, "Not Found")], find: [] });
    await expect(createPrSafely(notFound.host, input, policy().policy)).rejects.toThrow(
      "Not Found",
    );
    expect(notFound.calls).toEqual(["create"]);
  });

  it("gives up after the bound, saying to rerun", async () => {
    const { host, calls } = scriptedHost({
      create: Array.from({ length: 3 }, () => fail(502)),
      find: [],
    });
    await expect(createPrSafely(host, input, policy({ maxRetries: 2 }).policy)).rejects.toThrow(
      /GitHub PR creation for acme\/api: HTTP 502; gave up after 2 retries — rerun later with --only-failed/,
    );
    expect(calls.filter((c) => c === "create")).toHaveLength(3);
  });
});

describe("transient faults", () => {
  it("are 5xx answers (not 501/505), timeouts and dropped connections", () => {
    const t = (e: unknown) => isTransient(httpFailure(e), e);
    expect(t({ status: 502, message: "Bad Gateway" })).toBe(true);
    expect(t({ status: 500, message: "fetch failed" })).toBe(true);
    expect(t({ status: 501, message: "Not Implemented" })).toBe(false);
    expect(t({ status: 403, message: "rate limit" })).toBe(false);
    expect(t(Object.assign(new Error("x"), { name: "TimeoutError" }))).toBe(true);
    expect(t(new TypeError("fetch failed", { cause: { code: "UND_ERR_SOCKET" } }))).toBe(true);
    expect(t(new Error("invalid json"))).toBe(false);
  });

  it("PR/MR creation is told apart from every other request", () => {
    expect(opensPullRequest("POST", "/repos/{owner}/{repo}/pulls")).toBe(true);
    expect(opensPullRequest("POST", "/api/v4/projects/g%2Fp/merge_requests")).toBe(true);
    expect(opensPullRequest("GET", "/repos/{owner}/{repo}/pulls")).toBe(false);
    expect(
      opensPullRequest("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"),
    ).toBe(false);
    expect(opensPullRequest("PUT", "/api/v4/projects/g%2Fp/merge_requests/3")).toBe(false);
  });

  it("withTransientRetry backs off and gives up after the bound", async () => {
    const p = policy({ transientRetries: 2, transientBackoffMs: 100 });
    let n = 0;
    await expect(
      withTransientRetry(
        "GET /x",
        async () => {
          n++;
          throw Object.assign(new Error("Service Unavailable"), { status: 503 });
        },
        p.policy,
      ),
    ).rejects.toThrow("Service Unavailable");
    expect(n).toBe(3);
    expect(p.waits).toEqual([100, 200]);
    expect(p.lines[0]).toBe("GET /x: HTTP 503, retrying in 0.1s (retry 1/2)");
  });
});
