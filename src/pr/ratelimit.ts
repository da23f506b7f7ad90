// Rate limits of GitHub and GitLab: wait as the server says (Retry-After, x-ratelimit-reset,
// RateLimit-Reset), back off on secondary limits, and give up with a clear message after a bound.

export interface RetryPolicy {
  /** Retries per request before giving up. */
  maxRetries: number;
  /** Longest single wait accepted; a server asking for more makes us give up at once. */
  maxWaitMs: number;
  /** First back-off for a secondary limit that gives no header (doubles each retry). */
  backoffMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Told before each wait (already redacted text). */
  log?: (message: string) => void;
  /** Retries of a 5xx answer, a timeout or a dropped connection (src/pr/retry.ts). */
  transientRetries?: number;
  /** First wait before such a retry; it grows with each retry. */
  transientBackoffMs?: number;
  /** A request with no answer after this long is abandoned (and retried as a timeout). */
  requestTimeoutMs?: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 5,
  maxWaitMs: 15 * 60_000,
  // GitHub asks to wait at least a minute after a secondary rate limit without Retry-After.
  backoffMs: 60_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
  transientRetries: 3,
  transientBackoffMs: 1000,
  requestTimeoutMs: 60_000,
};

export class RateLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RateLimitError";
  }
}

type Headers = Record<string, string | number | undefined>;

function header(h: Headers, name: string): string | undefined {
  const v = h[name] ?? h[name.toLowerCase()];
  return v === undefined ? undefined : String(v);
}

/**
 * How long to wait before retrying, or null when the failure is not a rate limit.
 * 403 counts only with a rate-limit sign (GitHub also uses 403 for plain "forbidden").
 */
export function rateLimitDelay(
  status: number | undefined,
  headers: Headers,
  message: string,
  attempt: number,
  policy: Pick<RetryPolicy, "backoffMs" | "now">,
): number | null {
  if (status !== 429 && status !== 403) return null;
  const retryAfter = header(headers, "retry-after");
  const remaining =
    header(headers, "x-ratelimit-remaining") ?? header(headers, "ratelimit-remaining");
  const reset = header(headers, "x-ratelimit-reset") ?? header(headers, "ratelimit-reset");
  const secondary = /rate limit|abuse/i.test(message);
  if (status === 403 && !retryAfter && remaining !== "0" && !secondary) return null;
  if (retryAfter !== undefined) {
    const secs = Number(retryAfter);
    if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - policy.now());
  }
  if (remaining === "0" && reset !== undefined && Number.isFinite(Number(reset))) {
    // Reset is epoch seconds; one more second so we land after it, not on it.
    return Math.max(0, Number(reset) * 1000 - policy.now() + 1000);
  }
  return policy.backoffMs * 2 ** attempt;
}

/** Runs `fn`, retrying rate-limited failures as the server asks, up to the policy's bounds. */
export async function withRateLimit<T>(
  what: string,
  fn: () => Promise<T>,
  classify: (e: unknown) => { status?: number; headers: Headers; message: string },
  policy: RetryPolicy,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const { status, headers, message } = classify(e);
      const delay = rateLimitDelay(status, headers, message, attempt, policy);
      if (delay === null) throw e;
      const secs = Math.ceil(delay / 1000);
      if (attempt >= policy.maxRetries) {
        throw new RateLimitError(
          `${what}: rate limited (HTTP ${status}); gave up after ${attempt} retries — rerun later with --only-failed`,
        );
      }
      if (delay > policy.maxWaitMs) {
        throw new RateLimitError(
          `${what}: rate limited (HTTP ${status}); the server asks to wait ${secs}s, more than the ${Math.round(policy.maxWaitMs / 1000)}s bound — rerun later with --only-failed`,
        );
      }
      policy.log?.(
        `${what}: rate limited (HTTP ${status}), waiting ${secs}s (retry ${attempt + 1}/${policy.maxRetries})`,
      );
      await policy.sleep(delay);
    }
  }
}
