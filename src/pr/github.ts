// GitHub (and GitHub Enterprise) through @octokit/rest, with rate-limit handling wrapped around
// every request and @octokit/plugin-retry for transient faults (5xx, timeouts, dropped
// connections). Opening a PR is retried by neither: createPrSafely (retry.ts) looks first.
import { retry } from "@octokit/plugin-retry";
import { Octokit } from "@octokit/rest";
import {
  basicAuthConfig,
  type Host,
  type PrInput,
  type PullRequest,
  type RepoInfo,
} from "./host.js";
import { GITHUB_API } from "./host.js";

export { GITHUB_API };
import { defaultRetryPolicy, withRateLimit, type RetryPolicy } from "./ratelimit.js";
import { fetchWithTimeout, httpFailure, isTransient, opensPullRequest } from "./retry.js";
import { addSecret, redact } from "./redact.js";

export interface GitHubOptions {
  /** API base URL: https://api.github.com, or https://HOST/api/v3 for Enterprise. */
  baseUrl?: string;
  token?: string;
  retry?: Partial<RetryPolicy>;
  /** Where client warnings go (redacted). */
  log?: (message: string) => void;
}

function split(slug: string): { owner: string; repo: string } {
  const i = slug.indexOf("/");
  if (i <= 0 || i === slug.length - 1 || slug.indexOf("/", i + 1) !== -1) {
    throw new Error(`not a GitHub owner/name: ${slug}`);
  }
  return { owner: slug.slice(0, i), repo: slug.slice(i + 1) };
}

function toRepo(r: {
  full_name: string;
  default_branch?: string;
  clone_url?: string;
  archived?: boolean;
}): RepoInfo {
  return {
    slug: r.full_name,
    defaultBranch: r.default_branch ?? "main",
    cloneUrl: r.clone_url ?? "",
    archived: !!r.archived,
  };
}

export function createGitHub(options: GitHubOptions = {}): Host {
  const baseUrl = (options.baseUrl || GITHUB_API).replace(/\/+$/, "");
  const token = options.token;
  addSecret(token);
  const log = (m: string) => options.log?.(redact(m));
  const policy: RetryPolicy = { ...defaultRetryPolicy, log, ...options.retry };
  const retries = policy.transientRetries ?? defaultRetryPolicy.transientRetries!;
  const base = policy.transientBackoffMs ?? defaultRetryPolicy.transientBackoffMs!;
  // plugin-retry retries quietly: this hook, inside it, says so before each retry. (Attempts are
  // counted per request here: plugin-retry's own count lives in shared request defaults.)
  const attempts = new WeakMap<object, number>();
  const sayRetry = (o: Pick<Octokit, "hook">) =>
    o.hook.error("request", (error, opts) => {
      const f = httpFailure(error);
      const attempt = attempts.get(opts) ?? 0;
      attempts.set(opts, attempt + 1);
      const limit = Number(opts.request?.retries ?? retries);
      if (isTransient(f, error) && attempt < limit) {
        const what = f.status === 500 ? `no answer (${f.message})` : `HTTP ${f.status}`;
        log(`GitHub ${opts.method} ${opts.url}: ${what}, retrying (retry ${attempt + 1}/${limit})`);
      }
      throw error;
    });
  const RetryingOctokit = Octokit.plugin(sayRetry, retry);
  const octokit = new RetryingOctokit({
    baseUrl,
    auth: token,
    userAgent: "msb-migrate",
    // Failed requests are reported once, by us, with context; the request log would repeat them.
    log: { debug: () => {}, info: () => {}, warn: log, error: () => {} },
    // Transient faults only: every 4xx (rate limits are withRateLimit's) and 501/505 are final.
    retry: {
      retries,
      retryAfterBaseValue: base,
      doNotRetry: [...Array.from({ length: 100 }, (_, i) => 400 + i), 501, 505],
    },
    // A request that hangs is abandoned, then retried like a dropped connection.
    request: {
      fetch: fetchWithTimeout(policy.requestTimeoutMs ?? defaultRetryPolicy.requestTimeoutMs!),
    },
  });
  octokit.hook.wrap("request", (request, opts) =>
    // Opening a PR waits for no rate limit here: createPrSafely looks for the PR first.
    opensPullRequest(opts.method, opts.url)
      ? request(opts)
      : withRateLimit(
          `GitHub ${opts.method} ${opts.url}`,
          async () => request(opts),
          (e) => {
            const err = e as {
              status?: number;
              message?: string;
              response?: { headers?: Record<string, string> };
            };
            return {
              status: err.status,
              headers: err.response?.headers ?? {},
              message: err.message ?? "",
            };
          },
          policy,
        ),
  );
  // Git talks to the web host; on github.com the API lives on another host name.
  const apiHost = new URL(baseUrl).host;
  const gitHosts = apiHost === "api.github.com" ? ["github.com"] : [apiHost];

  const toPr = (p: { number: number; html_url: string; title: string }): PullRequest => ({
    number: p.number,
    url: p.html_url,
    title: p.title,
  });

  async function decorate(pr: PullRequest, input: PrInput): Promise<void> {
    const { owner, repo } = split(input.slug);
    if (input.labels.length) {
      await octokit.rest.issues.addLabels({
        owner,
        repo,
        issue_number: pr.number,
        labels: input.labels,
      });
    }
    if (input.reviewers.length) {
      await octokit.rest.pulls.requestReviewers({
        owner,
        repo,
        pull_number: pr.number,
        reviewers: input.reviewers,
      });
    }
    if (input.assignees.length) {
      await octokit.rest.issues.addAssignees({
        owner,
        repo,
        issue_number: pr.number,
        assignees: input.assignees,
      });
    }
  }

  return {
    kind: "github",
    name: "GitHub",
    async getRepo(slug) {
      const { data } = await octokit.rest.repos.get(split(slug));
      return toRepo(data);
    },
    async listOrgRepos(org) {
      // paginate follows the Link header to the last page.
      const repos = await octokit.paginate(octokit.rest.repos.listForOrg, { org, per_page: 100 });
      return repos.map(toRepo);
    },
    async findPr(slug, head) {
      const { owner, repo } = split(slug);
      const { data } = await octokit.rest.pulls.list({
        owner,
        repo,
        head: `${owner}:${head}`,
        state: "all",
      });
      // Filter again: a server may ignore the head filter, and we must never pick a stranger's PR.
      const mine = data.filter((p) => p.head.ref === head);
      const pr = mine.find((p) => p.state === "open") ?? mine[0];
      return pr ? { ...toPr(pr), open: pr.state === "open" } : null;
    },
    async createPr(input) {
      const { owner, repo } = split(input.slug);
      const { data } = await octokit.rest.pulls.create({
        owner,
        repo,
        head: input.head,
        base: input.base,
        title: input.title,
        body: input.body,
        draft: input.draft,
        // Never retried blindly (see createPrSafely).
        request: { retries: 0 },
      });
      const pr = toPr(data);
      await decorate(pr, input);
      return pr;
    },
    async updatePr(pr, input) {
      const { owner, repo } = split(input.slug);
      const { data } = await octokit.rest.pulls.update({
        owner,
        repo,
        pull_number: pr.number,
        title: input.title,
        body: input.body,
      });
      const updated = toPr(data);
      await decorate(updated, input);
      return updated;
    },
    gitConfig(cloneUrl) {
      return basicAuthConfig(cloneUrl, gitHosts, "x-access-token", token);
    },
  };
}
