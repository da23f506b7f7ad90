// Transient forge faults — a 5xx answer, a timeout, a dropped connection — and the one request
// that must never be retried blindly: opening a PR/MR. A fault can come after the forge made the
// PR (GitHub answers 502 under load and creates it anyway), so a retried creation first looks
// for the PR and takes it when it is there: no fault ever opens a second one.
import type { Host, PrInput, PullRequest } from "./host.js";
import {
  defaultRetryPolicy,
  rateLimitDelay,
  RateLimitError,
  type RetryPolicy,
} from "./ratelimit.js";

type HeaderMap = Record<string, string | number | undefined>;

/** What a failed request tells: status (absent when no answer came), headers, message. */
export interface HttpFailure {
  status?: number;
  headers: HeaderMap;
  message: string;
}

/** Reads a failure from either client's errors (octokit's RequestError, GitLabHttpError) or fetch's. */
export function httpFailure(e: unknown): HttpFailure {
  const err = e as {
    status?: unknown;
    message?: string;
    headers?: HeaderMap;
    response?: { headers?: HeaderMap };
  };
  return {
    status: typeof err?.status === "number" ? err.status : undefined,
    headers: err?.response?.headers ?? err?.headers ?? {},
    message: err?.message ?? String(e),
  };
}

/** Network-level failures: the request may or may not have reached the forge. */
const NETWORK =
  /fetch failed|other side closed|socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|UND_ERR_|terminated|aborted due to timeout|timed? ?out/i;

/**
 * A fault worth trying again: a 5xx answer (but 501/505, which say the request can never work),
 * a timeout or a dropped connection. octokit reports the last two as status 500 with fetch's
 * message; fetch itself throws a TypeError (or a TimeoutError) with no status.
 */
export function isTransient(f: HttpFailure, e?: unknown): boolean {
  if (f.status !== undefined) return f.status >= 500 && f.status !== 501 && f.status !== 505;
  const err = e as { name?: string; cause?: { code?: string; message?: string } } | undefined;
  if (err?.name === "TimeoutError") return true;
  return NETWORK.test(`${f.message} ${err?.cause?.code ?? ""} ${err?.cause?.message ?? ""}`);
}

/** The forge says the PR is there already (GitHub 422, GitLab 409). */
export function saysAlreadyExists(f: HttpFailure): boolean {
  return (f.status === 422 || f.status === 409) && /already exists/i.test(f.message);
}

/** Opens a PR (GitHub: POST …/pulls) or an MR (GitLab: POST …/merge_requests). */
export function opensPullRequest(method: string | undefined, path: string): boolean {
  return method?.toUpperCase() === "POST" && /\/(pulls|merge_requests)\/?$/.test(path);
}

/** Waits before the n-th retry (0-based) of a transient fault: base, 2 × base, 4 × base… */
export function transientDelay(attempt: number, policy: Pick<RetryPolicy, "transientBackoffMs">) {
  return (policy.transientBackoffMs ?? defaultRetryPolicy.transientBackoffMs!) * 2 ** attempt;
}

/** Runs `fn`, retrying transient faults with backoff; anything else is thrown at once. */
export async function withTransientRetry<T>(
  what: string,
  fn: () => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  const retries = policy.transientRetries ?? defaultRetryPolicy.transientRetries!;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const f = httpFailure(e);
      if (!isTransient(f, e) || attempt >= retries) throw e;
      const delay = transientDelay(attempt, policy);
      policy.log?.(
        `${what}: ${describe(f)}, retrying in ${seconds(delay)} (retry ${attempt + 1}/${retries})`,
      );
      await policy.sleep(delay);
    }
  }
}

/** A fetch that gives up after `ms` (a TimeoutError), on top of the caller's own signal. */
export function fetchWithTimeout(ms: number): typeof fetch {
  return (input, init = {}) => {
    const timeout = AbortSignal.timeout(ms);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}

function describe(f: HttpFailure): string {
  return f.status !== undefined && f.status !== 500
    ? `HTTP ${f.status}`
    : f.status === 500 && !NETWORK.test(f.message)
      ? "HTTP 500"
      : `no answer (${f.message})`;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10}s`;

/**
 * Opens the PR for `input.head`, surviving transient faults, rate limits and an "already exists"
 * answer, and never opening two: before each retry it asks the forge for an open PR of that
 * branch, and when one is there it completes that one (title, body, labels, reviewers, assignees)
 * instead of creating another.
 */
export async function createPrSafely(
  host: Host,
  input: PrInput,
  policy: RetryPolicy,
): Promise<PullRequest & { recovered: boolean }> {
  const what = `${host.name} ${host.kind === "gitlab" ? "MR" : "PR"} creation for ${input.slug}`;
  for (let attempt = 0; ; attempt++) {
    let failure: HttpFailure;
    try {
      return { ...(await host.createPr(input)), recovered: false };
    } catch (e) {
      failure = httpFailure(e);
      const exists = saysAlreadyExists(failure);
      const limited = rateLimitDelay(
        failure.status,
        failure.headers,
        failure.message,
        attempt,
        policy,
      );
      if (!exists && limited === null && !isTransient(failure, e)) throw e;
      if (attempt >= policy.maxRetries) {
        throw new RateLimitError(
          `${what}: ${describe(failure)}; gave up after ${attempt} retries — rerun later with --only-failed`,
        );
      }
      const delay = exists ? 0 : (limited ?? transientDelay(attempt, policy));
      if (delay > policy.maxWaitMs) {
        throw new RateLimitError(
          `${what}: rate limited (HTTP ${failure.status}); the server asks to wait ${Math.ceil(delay / 1000)}s, more than the ${Math.round(policy.maxWaitMs / 1000)}s bound — rerun later with --only-failed`,
        );
      }
      if (delay > 0) {
        const why = limited !== null ? `rate limited (HTTP ${failure.status})` : describe(failure);
        policy.log?.(
          `${what}: ${why}, waiting ${seconds(delay)}, then looking for the PR before trying again`,
        );
        await policy.sleep(delay);
      }
    }
    // The failed attempt may have opened it: look before trying again.
    const found = await host.findPr(input.slug, input.head);
    if (found?.open) {
      policy.log?.(
        `${what}: it exists after all (${found.url}); completing it, not opening another`,
      );
      return { ...(await host.updatePr(found, input)), recovered: true };
    }
    if (saysAlreadyExists(failure)) {
      throw new Error(
        `${what}: the forge says it exists but lists no open one: ${failure.message}`,
      );
    }
  }
}
