// GitLab (gitlab.com or self-hosted) through @gitbeaker/rest. Gitbeaker's own request handler
// retries 429 within milliseconds and ignores Retry-After, so we give it a requester that waits
// as the server says (same policy as GitHub), and retries transient faults (5xx, timeouts,
// dropped connections) with backoff — except opening an MR, which createPrSafely (retry.ts) does.
import { Gitlab } from "@gitbeaker/rest";
import { createRequesterFn } from "@gitbeaker/requester-utils";
import {
  basicAuthConfig,
  type Host,
  type PrInput,
  type PullRequest,
  type RepoInfo,
} from "./host.js";
import { GITLAB_URL } from "./host.js";

export { GITLAB_URL };
import { defaultRetryPolicy, withRateLimit, type RetryPolicy } from "./ratelimit.js";
import { fetchWithTimeout, opensPullRequest, withTransientRetry } from "./retry.js";
import { addSecret, redact } from "./redact.js";

export interface GitLabOptions {
  /** Instance URL (not the /api/v4 path): https://gitlab.com or https://gitlab.example.com. */
  host?: string;
  token?: string;
  retry?: Partial<RetryPolicy>;
  log?: (message: string) => void;
}

/** An HTTP failure from GitLab, with what the rate-limit logic needs. */
export class GitLabHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly headers: Record<string, string>,
  ) {
    super(message);
    this.name = "GitLabHttpError";
  }
}

interface HandlerOptions {
  method?: string;
  prefixUrl?: string;
  searchParams?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  signal?: AbortSignal;
  asStream?: boolean;
}

function makeRequester(policy: RetryPolicy) {
  const timedFetch = fetchWithTimeout(
    policy.requestTimeoutMs ?? defaultRetryPolicy.requestTimeoutMs!,
  );
  const handler = async (endpoint: string, options: HandlerOptions) => {
    const { prefixUrl, searchParams, method = "GET", headers, body, signal } = options;
    const base = prefixUrl ? (prefixUrl.endsWith("/") ? prefixUrl : `${prefixUrl}/`) : undefined;
    const url = new URL(endpoint, base);
    url.search = searchParams || "";
    const what = `GitLab ${method} ${url.pathname}`;
    const once = async () => {
      const res = await timedFetch(url, { method, headers, body, signal });
      const hdrs = Object.fromEntries(res.headers.entries());
      const type = (res.headers.get("content-type") || "").split(";")[0]!.trim();
      const text = res.status === 204 ? "" : await res.text();
      if (!res.ok) {
        let description = text;
        if (type === "application/json") {
          try {
            const j = JSON.parse(text) as { message?: unknown; error?: unknown };
            const m = j.error ?? j.message ?? text;
            description = typeof m === "string" ? m : JSON.stringify(m);
          } catch {
            /* keep the raw text */
          }
        }
        throw new GitLabHttpError(
          `GitLab ${method} ${url.pathname}: HTTP ${res.status} ${description}`.trim(),
          res.status,
          hdrs,
        );
      }
      const parsed =
        type === "application/json" && text ? (JSON.parse(text) as unknown) : text || null;
      return { body: parsed ?? {}, headers: hdrs, status: res.status };
    };
    // Opening an MR is tried once here: createPrSafely looks for it before any retry.
    if (opensPullRequest(method, url.pathname)) return once();
    const limited = () =>
      withRateLimit(
        what,
        once,
        (e) =>
          e instanceof GitLabHttpError
            ? { status: e.status, headers: e.headers, message: e.message }
            : { headers: {}, message: String(e) },
        policy,
      );
    return withTransientRetry(what, limited, policy);
  };
  return createRequesterFn(
    (_, reqo) => Promise.resolve(reqo),
    handler as unknown as Parameters<typeof createRequesterFn>[1],
  );
}

interface ProjectLike {
  path_with_namespace: string;
  default_branch?: string | null;
  http_url_to_repo?: string;
  archived?: boolean;
}

interface MrLike {
  iid: number;
  state: string;
  web_url: string;
  title: string;
  source_branch: string;
}

const toRepo = (p: ProjectLike): RepoInfo => ({
  slug: p.path_with_namespace,
  defaultBranch: p.default_branch ?? "main",
  cloneUrl: p.http_url_to_repo ?? "",
  archived: !!p.archived,
});

const toPr = (m: MrLike): PullRequest => ({ number: m.iid, url: m.web_url, title: m.title });

export function createGitLab(options: GitLabOptions = {}): Host {
  const host = (options.host || GITLAB_URL).replace(/\/+$/, "");
  const token = options.token;
  addSecret(token);
  const log = (m: string) => options.log?.(redact(m));
  const policy: RetryPolicy = { ...defaultRetryPolicy, log, ...options.retry };
  const api = new Gitlab({
    host,
    token: token ?? "",
    requesterFn: makeRequester(policy),
  } as ConstructorParameters<typeof Gitlab>[0]);
  const gitHosts = [new URL(host).host];

  async function userIds(names: string[]): Promise<number[]> {
    const ids: number[] = [];
    for (const username of names) {
      const users = (await api.Users.all({ username })) as unknown as {
        id: number;
        username: string;
      }[];
      const u = users.find((x) => x.username === username);
      if (!u) throw new Error(`GitLab user not found: ${username}`);
      ids.push(u.id);
    }
    return ids;
  }

  async function mrOptions(input: PrInput) {
    return {
      description: input.body,
      ...(input.labels.length ? { labels: input.labels.join(",") } : {}),
      ...(input.reviewers.length ? { reviewerIds: await userIds(input.reviewers) } : {}),
      ...(input.assignees.length ? { assigneeIds: await userIds(input.assignees) } : {}),
    };
  }

  // GitLab marks drafts by the title prefix.
  const title = (input: PrInput) =>
    input.draft && !/^draft:/i.test(input.title) ? `Draft: ${input.title}` : input.title;

  return {
    kind: "gitlab",
    name: "GitLab",
    async getRepo(slug) {
      return toRepo((await api.Projects.show(slug)) as unknown as ProjectLike);
    },
    async listOrgRepos(group) {
      // Gitbeaker follows the Link header through every page.
      const projects = await api.Groups.allProjects(group, {
        includeSubgroups: true,
        perPage: 100,
      });
      return (projects as unknown as ProjectLike[]).map(toRepo);
    },
    async findPr(slug, head) {
      const mrs = (await api.MergeRequests.all({
        projectId: slug,
        sourceBranch: head,
      })) as unknown as MrLike[];
      const mine = mrs.filter((m) => m.source_branch === head);
      const mr = mine.find((m) => m.state === "opened") ?? mine[0];
      return mr ? { ...toPr(mr), open: mr.state === "opened" } : null;
    },
    async createPr(input) {
      const mr = await api.MergeRequests.create(
        input.slug,
        input.head,
        input.base,
        title(input),
        await mrOptions(input),
      );
      return toPr(mr as unknown as MrLike);
    },
    async updatePr(pr, input) {
      const mr = await api.MergeRequests.edit(input.slug, pr.number, {
        title: title(input),
        ...(await mrOptions(input)),
      });
      return toPr(mr as unknown as MrLike);
    },
    gitConfig(cloneUrl) {
      return basicAuthConfig(cloneUrl, gitHosts, "oauth2", token);
    },
  };
}
