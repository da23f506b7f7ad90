// Small pieces of PR mode: redaction, rate-limit delays, templates, repos lists, auth scoping.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { convert } from "../../src/index.js";
import {
  commitMessage,
  defaultBody,
  defaultTitle,
  renderTemplate,
  templateVars,
  type BodyContext,
} from "../../src/pr/body.js";
import { parseIdentity } from "../../src/pr/git.js";
import { basicAuthConfig, slugFromUrl } from "../../src/pr/host.js";
import { rateLimitDelay, RateLimitError, withRateLimit } from "../../src/pr/ratelimit.js";
import { addSecret, clearSecrets, errorText, redact } from "../../src/pr/redact.js";
import { loadRepos, parseReposList } from "../../src/pr/repos.js";
import { createPacer } from "../../src/pr/run.js";
import { readState, StateWriter } from "../../src/pr/state.js";
import { tempDir } from "../tmp.js";

const GO =
  'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nCMD ["/out/app"]\n';

afterEach(() => clearSecrets());

describe("redact", () => {
  it("masks registered tokens, URL credentials and token shapes", () => {
    addSecret("sekrit-value-1");
    expect(redact("token sekrit-value-1 here")).toBe("token *** here");
    expect(redact("clone https://x-access-token:abc123@github.com/a/b.git")).toBe(
      "clone https://***@github.com/a/b.git",
    );
    expect(redact("https://oauth2@gitlab.example/g/p")).toBe("https://***@gitlab.example/g/p");
    expect(redact(`ghp_${"a".repeat(36)} glpat-${"b".repeat(20)}`)).toBe("*** ***");
    expect(redact("Authorization: Basic eHg6eXk=")).toBe("Authorization: Basic ***");
    expect(redact("git@github.com:acme/api.git")).toBe("git@github.com:acme/api.git");
  });

  it("turns multi-line errors into one redacted line", () => {
    addSecret("tok-12345");
    expect(errorText(new Error("fatal: bad\n   remote said tok-12345  \n\n"))).toBe(
      "fatal: bad | remote said ***",
    );
  });
});

describe("rate limits", () => {
  const policy = { backoffMs: 60_000, now: () => 1_000_000 };
  it("reads Retry-After in seconds or as a date", () => {
    expect(rateLimitDelay(429, { "retry-after": "12" }, "", 0, policy)).toBe(12_000);
    expect(
      rateLimitDelay(403, { "retry-after": new Date(1_005_000).toUTCString() }, "", 0, policy),
    ).toBe(5_000);
  });
  it("waits until x-ratelimit-reset when the primary limit is exhausted", () => {
    expect(
      rateLimitDelay(
        403,
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030" },
        "",
        0,
        policy,
      ),
    ).toBe(31_000);
    expect(
      rateLimitDelay(429, { "ratelimit-remaining": "0", "ratelimit-reset": "1010" }, "", 0, policy),
    ).toBe(11_000);
  });
  it("backs off exponentially on a secondary limit without headers", () => {
    expect(rateLimitDelay(403, {}, "You have exceeded a secondary rate limit", 2, policy)).toBe(
      240_000,
    );
  });
  it("does not retry a plain 403 or other statuses", () => {
    expect(
      rateLimitDelay(
        403,
        { "x-ratelimit-remaining": "4999" },
        "Resource not accessible",
        0,
        policy,
      ),
    ).toBeNull();
    expect(rateLimitDelay(404, {}, "rate limit", 0, policy)).toBeNull();
    expect(rateLimitDelay(500, {}, "", 0, policy)).toBeNull();
  });
  it("retries within the bounds, then gives up with a clear error", async () => {
    const waits: number[] = [];
    const p = {
      maxRetries: 2,
      maxWaitMs: 10_000,
      backoffMs: 1,
      now: () => 0,
      sleep: async (ms: number) => void waits.push(ms),
    };
    let calls = 0;
    const fail = () => ({ status: 429, headers: { "retry-after": "2" }, message: "" });
    const ok = await withRateLimit(
      "x",
      async () => (++calls < 3 ? Promise.reject(new Error()) : "done"),
      fail,
      p,
    );
    expect(ok).toBe("done");
    expect(waits).toEqual([2000, 2000]);
    await expect(
      withRateLimit("GitHub GET /x", () => Promise.reject(new Error()), fail, p),
    ).rejects.toThrow(/^GitHub GET \/x: rate limited \(HTTP 429\); gave up after 2 retries/);
    const long = () => ({ status: 429, headers: { "retry-after": "60" }, message: "" });
    await expect(
      withRateLimit("y", () => Promise.reject(new Error()), long, p),
    ).rejects.toBeInstanceOf(RateLimitError);
  });
});

describe("pacing", () => {
  it("spaces PR creations by the interval whatever the concurrency", async () => {
    let t = 0;
    const waits: number[] = [];
    const pace = createPacer(
      5000,
      async (ms) => void waits.push(ms),
      () => t,
    );
    await Promise.all([pace(), pace(), pace()]);
    expect(waits).toEqual([5000, 10000]);
    t = 60_000;
    await pace();
    expect(waits).toHaveLength(2);
  });
});

describe("templates and body", () => {
  const result = convert(GO, { path: "svc/Dockerfile" });
  const ctx: BodyContext = {
    repo: "acme/api",
    branch: "msb-migrate/multi-stage",
    base: "main",
    files: [
      { path: "svc/Dockerfile", decision: "converted", reasons: [], result },
      { path: "web/Dockerfile", decision: "unchanged", reasons: ["no build step"], result: null },
    ],
    diffStat: " svc/Dockerfile | 6 +++++-",
    sizes: [{ path: "svc/Dockerfile", before: 900_000_000, after: 90_000_000 }],
  };

  it("fills placeholders and rejects unknown ones", () => {
    const vars = templateVars(ctx);
    expect(renderTemplate("{{ repo }}: {{count}} file(s) into {{base}}", vars)).toBe(
      "acme/api: 1 file(s) into main",
    );
    expect(() => renderTemplate("{{nope}}", vars)).toThrow(
      /unknown template placeholder \{\{nope\}\}/,
    );
    expect(renderTemplate("{{sizes}}", vars)).toContain(
      "| `svc/Dockerfile` | 900.0 MB | 90.0 MB | -90% |",
    );
  });

  it("explains detection, decisions, contract, diff, sizes and how to test", () => {
    const body = defaultBody(ctx);
    expect(defaultTitle(ctx)).toBe("Convert svc/Dockerfile to a multi-stage build");
    expect(body).toContain("line 4 `RUN`: **build** (`go build -o /out/app .`)");
    expect(body).toContain("**Contract check: passed**");
    expect(body).toContain("```diff\ndiff --git a/svc/Dockerfile b/svc/Dockerfile");
    expect(body).toContain("## Image sizes (`--verify`)");
    expect(body).toContain("- `web/Dockerfile`: unchanged — no build step");
    expect(body).toContain("docker build --target builder svc");
    expect(commitMessage(ctx)).toMatch(
      /^Convert svc\/Dockerfile to a multi-stage build\n\n- svc\/Dockerfile: go builder, runtime \S+\n\nGenerated-by: msb-migrate$/,
    );
  });

  it("keeps a diff containing backticks inside its fence", () => {
    const r = { ...result, patch: "+RUN echo ```x```\n" };
    const body = defaultBody({
      ...ctx,
      sizes: null,
      files: [{ path: "Dockerfile", decision: "converted", reasons: [], result: r }],
    });
    expect(body).toContain("````diff\n+RUN echo ```x```\n````");
    expect(body).not.toContain("Image sizes");
  });
});

describe("repositories", () => {
  it("parses a repos file: comments, URLs, paths, explicit slugs", () => {
    const specs = parseReposList(
      "# list\nhttps://github.com/acme/api.git\ngit@github.com:acme/web.git  # scp form\n\n./local/thing other/name\nhttps://gitlab.example/g/sub/p.git\n",
      "/base",
      "github",
    );
    expect(specs.map((s) => [s.kind, s.source, s.slug ?? null])).toEqual([
      ["url", "https://github.com/acme/api.git", "acme/api"],
      ["url", "git@github.com:acme/web.git", "acme/web"],
      ["url", "/base/local/thing", "other/name"],
      ["url", "https://gitlab.example/g/sub/p.git", "sub/p"],
    ]);
    expect(slugFromUrl("https://gitlab.example/g/sub/p.git", "gitlab")).toBe("g/sub/p");
    expect(slugFromUrl("/srv/git/acme/api.git", "github")).toBe("acme/api");
  });

  it("takes the subdirectories holding a .git of a directory as checkouts", async () => {
    const dir = tempDir("msb-repos-");
    mkdirSync(path.join(dir, "b/.git"), { recursive: true });
    mkdirSync(path.join(dir, "a/.git"), { recursive: true });
    mkdirSync(path.join(dir, "not-a-repo"));
    const specs = await loadRepos(dir, null);
    expect(specs.map((s) => [s.name, s.kind])).toEqual([
      ["a", "checkout"],
      ["b", "checkout"],
    ]);
    await expect(loadRepos(path.join(dir, "missing"), null)).rejects.toThrow(
      /--repos: no such file or directory/,
    );
  });

  it("scopes the git auth header to the host's own origin", () => {
    const cfg = basicAuthConfig(
      "https://github.com/acme/api.git",
      ["github.com"],
      "x-access-token",
      "T0KEN",
    );
    expect(Object.keys(cfg)).toEqual(["http.https://github.com/.extraHeader"]);
    expect(Object.values(cfg)[0]).toBe(
      `Authorization: Basic ${Buffer.from("x-access-token:T0KEN").toString("base64")}`,
    );
    expect(
      basicAuthConfig("https://evil.example/acme/api.git", ["github.com"], "x", "T0KEN"),
    ).toEqual({});
    expect(basicAuthConfig("git@github.com:acme/api.git", ["github.com"], "x", "T0KEN")).toEqual(
      {},
    );
  });

  it("parses identities", () => {
    expect(parseIdentity("Jane Doe <jane@example.test>")).toEqual({
      name: "Jane Doe",
      email: "jane@example.test",
    });
    expect(() => parseIdentity("jane")).toThrow(/expected "Name <email>"/);
  });
});

describe("state file", () => {
  it("is rewritten whole after each record, redacted, and read back", async () => {
    addSecret("tok-abcdef");
    const file = path.join(tempDir("msb-state-"), "s.json");
    const w = new StateWriter(file);
    const rec = {
      repo: "a",
      source: "https://u:tok-abcdef@h/a.git",
      status: "failed" as const,
      action: "failed",
      error: "tok-abcdef leaked?",
      files: [],
      updatedAt: "t",
    };
    await Promise.all([w.record(rec), w.record({ ...rec, repo: "b", source: "/b" })]);
    const s = await readState(file);
    expect(Object.keys(s.repos)).toHaveLength(2);
    expect(JSON.stringify(s)).not.toContain("tok-abcdef");
    writeFileSync(file, "{}");
    await expect(readState(file)).rejects.toThrow(/is not an msb-migrate state file/);
  });
});
