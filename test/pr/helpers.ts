// Test fixtures for PR mode: bare repositories on disk as remotes, and loopback servers that speak
// the parts of the GitHub and GitLab REST APIs the tool calls.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { PrOptions } from "../../src/pr/run.js";
import { tempDir as registeredTempDir } from "../tmp.js";

export const GO_DOCKERFILE =
  'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nCMD ["/out/app"]\n';
export const PLAIN_DOCKERFILE = "FROM nginx:1.25\nCOPY site/ /usr/share/nginx/html/\n";

/** Options of a local dry run over the repositories listed in `repos`, with `over` on top. */
export function dryRunOptions(repos: string, over: Partial<PrOptions>): PrOptions {
  return {
    repos,
    host: null,
    branch: "msb-migrate/multi-stage",
    dryRun: true,
    push: false,
    openPr: false,
    draft: false,
    labels: [],
    reviewers: [],
    assignees: [],
    conflictStrategy: "skip",
    jobs: 1,
    prIntervalMs: 0,
    stateFile: null,
    verify: false,
    log: () => {},
    ...over,
  };
}

const ID = [
  "-c",
  "user.name=Fixture",
  "-c",
  "user.email=fixture@example.test",
  "-c",
  "init.defaultBranch=main",
];

/** Runs git with a fixed identity and no ambient config surprises. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", [...ID, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_TERMINAL_PROMPT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function tmpDir(prefix = "msb-pr-test-"): string {
  return registeredTempDir(prefix);
}

/**
 * A bare repository at root/owner/name.git whose main branch holds `files`.
 * `refusePush` installs a pre-receive hook that rejects every later push.
 */
export function makeRemote(
  root: string,
  slug: string,
  files: Record<string, string | Buffer>,
  opts: { refusePush?: boolean } = {},
): string {
  const bare = path.join(root, `${slug}.git`);
  mkdirSync(bare, { recursive: true });
  git(bare, "init", "--quiet", "--bare", "-b", "main");
  const work = tmpDir("msb-pr-seed-");
  git(work, "init", "--quiet", "-b", "main");
  writeFileSync(path.join(work, "README.md"), `# ${slug}\n`);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
    writeFileSync(path.join(work, rel), text);
  }
  git(work, "add", "-A");
  git(work, "commit", "--quiet", "-m", "initial");
  git(work, "push", "--quiet", bare, "main");
  if (opts.refusePush) {
    const hook = path.join(bare, "hooks", "pre-receive");
    writeFileSync(hook, "#!/bin/sh\necho 'push refused by policy' >&2\nexit 1\n");
    chmodSync(hook, 0o755);
  }
  return bare;
}

export function refSha(bare: string, ref: string): string | null {
  try {
    return git(bare, "rev-parse", "--verify", "--quiet", ref).trim();
  } catch {
    return null;
  }
}

export function branches(bare: string): string[] {
  return git(bare, "for-each-ref", "--format=%(refname:short)", "refs/heads")
    .split("\n")
    .filter(Boolean)
    .sort();
}

export function showFile(bare: string, ref: string, file: string): string {
  return git(bare, "show", `${ref}:${file}`);
}

/** The exact bytes of a file at a ref (no decoding). */
export function showBytes(bare: string, ref: string, file: string): Buffer {
  return execFileSync("git", ["show", `${ref}:${file}`], { cwd: bare });
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

type Handler = (req: RecordedRequest) => {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
};

/**
 * An injected fault: an answer of its own, a dropped connection, or no answer at all. `after`:
 * the forge does the work first and the fault hits the answer (a PR made, then a 502).
 */
export type Fault =
  (ReturnType<Handler> & { after?: boolean }) | { drop: true; after?: boolean } | { hang: true };

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Makes the next `count` requests matching method+path meet this fault. */
  failNext(method: string, pathRe: RegExp, count: number, fault: Fault): void;
  close(): Promise<void>;
}

async function serve(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const failures: { method: string; re: RegExp; left: number; response: Fault }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://127.0.0.1");
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        /* keep text */
      }
      const rec: RecordedRequest = {
        method: req.method ?? "GET",
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body,
      };
      requests.push(rec);
      const f = failures.find((x) => x.left > 0 && x.method === rec.method && x.re.test(rec.path));
      let out: ReturnType<Handler>;
      if (f) {
        f.left--;
        const fault = f.response;
        if ("hang" in fault) return;
        if (fault.after) handler(rec);
        if ("drop" in fault) {
          req.socket.destroy();
          return;
        }
        out = fault;
      } else {
        try {
          out = handler(rec);
        } catch (e) {
          out = { status: 500, body: { message: String(e) } };
        }
      }
      const text = out.body === undefined ? "" : JSON.stringify(out.body);
      res.writeHead(out.status, {
        "content-type": "application/json; charset=utf-8",
        ...out.headers,
      });
      res.end(out.status === 204 ? undefined : text);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(method, re, count, response) {
      failures.push({ method, re, left: count, response });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface FakeRepo {
  slug: string;
  cloneUrl: string;
  defaultBranch?: string;
  archived?: boolean;
}

interface Pull {
  number: number;
  state: "open" | "closed";
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  labels: string[];
  reviewers: string[];
  assignees: string[];
}

/** GitHub REST: repos, org repos (Link pagination), pulls, labels, reviewers, assignees. */
export async function fakeGitHub(repos: FakeRepo[], perPage = 2) {
  const pulls = new Map<string, Pull[]>();
  const find = (o: string, r: string) => repos.find((x) => x.slug === `${o}/${r}`);
  let srv!: FakeServer;
  const json = (r: FakeRepo) => ({
    full_name: r.slug,
    name: r.slug.split("/")[1],
    default_branch: r.defaultBranch ?? "main",
    clone_url: r.cloneUrl,
    archived: !!r.archived,
  });
  const pullJson = (slug: string, p: Pull) => ({
    number: p.number,
    html_url: `https://github.example.test/${slug}/pull/${p.number}`,
    title: p.title,
    body: p.body,
    draft: p.draft,
    state: p.state,
    head: { ref: p.head },
    base: { ref: p.base },
  });
  srv = await serve((req) => {
    let m: RegExpExecArray | null;
    if (req.method === "GET" && (m = /^\/orgs\/([^/]+)\/repos$/.exec(req.path))) {
      const all = repos.filter((r) => r.slug.startsWith(`${m![1]}/`));
      const page = Number(req.query.get("page") ?? "1");
      const size = Math.min(perPage, Number(req.query.get("per_page") ?? "30"));
      const last = Math.max(1, Math.ceil(all.length / size));
      const headers: Record<string, string> = {};
      const link = (p: number, rel: string) =>
        `<${srv.url}/orgs/${m![1]}/repos?per_page=${size}&page=${p}>; rel="${rel}"`;
      if (page < last) headers.link = [link(page + 1, "next"), link(last, "last")].join(", ");
      return { status: 200, body: all.slice((page - 1) * size, page * size).map(json), headers };
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(req.path))) {
      const [, owner, name, rest = ""] = m;
      const repo = find(owner!, name!);
      if (!repo) return { status: 404, body: { message: "Not Found" } };
      const list = pulls.get(repo.slug) ?? [];
      pulls.set(repo.slug, list);
      if (req.method === "GET" && rest === "") return { status: 200, body: json(repo) };
      if (req.method === "GET" && rest === "/pulls") {
        const head = req.query.get("head");
        const state = req.query.get("state") ?? "open";
        const hits = list
          .filter((p) => !head || `${owner}:${p.head}` === head)
          .filter((p) => state === "all" || p.state === state)
          .reverse();
        return { status: 200, body: hits.map((p) => pullJson(repo.slug, p)) };
      }
      if (req.method === "POST" && rest === "/pulls") {
        const b = req.body as {
          head: string;
          base: string;
          title: string;
          body: string;
          draft?: boolean;
        };
        if (list.some((p) => p.head === b.head && p.state === "open")) {
          return {
            status: 422,
            body: { message: "Validation Failed: A pull request already exists" },
          };
        }
        const p: Pull = {
          number: list.length + 1,
          state: "open",
          head: b.head,
          base: b.base,
          title: b.title,
          body: b.body,
          draft: !!b.draft,
          labels: [],
          reviewers: [],
          assignees: [],
        };
        list.push(p);
        return { status: 201, body: pullJson(repo.slug, p) };
      }
      const pm = /^\/(pulls|issues)\/(\d+)(\/[a-z_]+)?$/.exec(rest);
      const p = pm ? list.find((x) => x.number === Number(pm[2])) : undefined;
      if (pm && !p) return { status: 404, body: { message: "Not Found" } };
      if (p && req.method === "PATCH" && pm![1] === "pulls" && !pm![3]) {
        const b = req.body as { title?: string; body?: string };
        if (b.title !== undefined) p.title = b.title;
        if (b.body !== undefined) p.body = b.body;
        return { status: 200, body: pullJson(repo.slug, p) };
      }
      if (p && req.method === "POST" && pm![3] === "/labels") {
        p.labels.push(...(req.body as { labels: string[] }).labels);
        return { status: 200, body: p.labels.map((name) => ({ name })) };
      }
      if (p && req.method === "POST" && pm![3] === "/requested_reviewers") {
        p.reviewers.push(...(req.body as { reviewers: string[] }).reviewers);
        return { status: 201, body: pullJson(repo.slug, p) };
      }
      if (p && req.method === "POST" && pm![3] === "/assignees") {
        p.assignees.push(...(req.body as { assignees: string[] }).assignees);
        return { status: 201, body: pullJson(repo.slug, p) };
      }
    }
    return { status: 404, body: { message: `no route ${req.method} ${req.path}` } };
  });
  return { ...srv, pulls };
}

/** GitLab REST v4: projects, group projects (Link pagination), merge requests, users. */
export async function fakeGitLab(repos: FakeRepo[], perPage = 2) {
  const mrs = new Map<string, (Pull & { iid: number })[]>();
  const users = [
    { id: 11, username: "alice" },
    { id: 12, username: "bob" },
  ];
  let srv!: FakeServer;
  const json = (r: FakeRepo) => ({
    id: repos.indexOf(r) + 100,
    path_with_namespace: r.slug,
    default_branch: r.defaultBranch ?? "main",
    http_url_to_repo: r.cloneUrl,
    archived: !!r.archived,
  });
  const mrJson = (slug: string, p: Pull & { iid: number }) => ({
    iid: p.iid,
    web_url: `https://gitlab.example.test/${slug}/-/merge_requests/${p.iid}`,
    title: p.title,
    description: p.body,
    source_branch: p.head,
    target_branch: p.base,
    state: p.state === "open" ? "opened" : "closed",
    labels: p.labels,
  });
  srv = await serve((req) => {
    let m: RegExpExecArray | null;
    // Node's URL keeps %2F in the path, as GitLab expects for project paths.
    if (req.method === "GET" && (m = /^\/api\/v4\/groups\/([^/]+)\/projects$/.exec(req.path))) {
      const group = decodeURIComponent(m[1]!);
      const all = repos.filter((r) => r.slug.startsWith(`${group}/`));
      const page = Number(req.query.get("page") ?? "1");
      const size = Math.min(perPage, Number(req.query.get("per_page") ?? "20"));
      const last = Math.max(1, Math.ceil(all.length / size));
      const headers: Record<string, string> = {};
      if (page < last) {
        const q = new URLSearchParams(req.query);
        q.set("page", String(page + 1));
        headers.link = `<${srv.url}${req.path}?${q}>; rel="next"`;
      }
      return { status: 200, body: all.slice((page - 1) * size, page * size).map(json), headers };
    }
    if (req.method === "GET" && req.path === "/api/v4/users") {
      return { status: 200, body: users.filter((u) => u.username === req.query.get("username")) };
    }
    if ((m = /^\/api\/v4\/projects\/([^/]+)(\/.*)?$/.exec(req.path))) {
      const slug = decodeURIComponent(m[1]!);
      const rest = m[2] ?? "";
      const repo = repos.find((r) => r.slug === slug);
      if (!repo) return { status: 404, body: { message: "404 Project Not Found" } };
      const list = mrs.get(slug) ?? [];
      mrs.set(slug, list);
      if (req.method === "GET" && rest === "") return { status: 200, body: json(repo) };
      if (req.method === "GET" && rest === "/merge_requests") {
        const src = req.query.get("source_branch");
        const state = req.query.get("state");
        const hits = list
          .filter((p) => !src || p.head === src)
          .filter(
            (p) => !state || (state === "opened" ? p.state === "open" : p.state === "closed"),
          );
        return { status: 200, body: hits.reverse().map((p) => mrJson(slug, p)) };
      }
      if (req.method === "POST" && rest === "/merge_requests") {
        const b = req.body as Record<string, unknown>;
        if (list.some((p) => p.head === b.source_branch && p.state === "open")) {
          return {
            status: 409,
            body: { message: ["Another open merge request already exists for this source branch"] },
          };
        }
        const p = {
          iid: list.length + 1,
          number: list.length + 1,
          state: "open" as const,
          head: String(b.source_branch),
          base: String(b.target_branch),
          title: String(b.title),
          body: String(b.description ?? ""),
          draft: /^draft:/i.test(String(b.title)),
          labels: String(b.labels ?? "")
            .split(",")
            .filter(Boolean),
          reviewers: ((b.reviewer_ids as number[]) ?? []).map(String),
          assignees: ((b.assignee_ids as number[]) ?? []).map(String),
        };
        list.push(p);
        return { status: 201, body: mrJson(slug, p) };
      }
      const em = /^\/merge_requests\/(\d+)$/.exec(rest);
      if (em && req.method === "PUT") {
        const p = list.find((x) => x.iid === Number(em[1]));
        if (!p) return { status: 404, body: { message: "404 Not found" } };
        const b = req.body as Record<string, unknown>;
        if (typeof b.title === "string") p.title = b.title;
        if (typeof b.description === "string") p.body = b.description;
        return { status: 200, body: mrJson(slug, p) };
      }
    }
    return { status: 404, body: { message: `no route ${req.method} ${req.path}` } };
  });
  return { ...srv, mrs };
}
