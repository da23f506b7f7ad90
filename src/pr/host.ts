// What `pr` needs from a code host. GitHub and GitLab implement it; tests drive both through the
// real client libraries against a loopback server.

export const GITHUB_API = "https://api.github.com";
export const GITLAB_URL = "https://gitlab.com";

export interface RepoInfo {
  /** owner/name on GitHub, the full project path on GitLab. */
  slug: string;
  defaultBranch: string;
  cloneUrl: string;
  archived: boolean;
}

export interface PullRequest {
  /** PR number (GitHub) or MR iid (GitLab). */
  number: number;
  url: string;
  title: string;
}

export interface PrInput {
  slug: string;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  labels: string[];
  reviewers: string[];
  assignees: string[];
}

export interface Host {
  kind: "github" | "gitlab";
  /** Display name for messages: "GitHub", "GitLab". */
  name: string;
  getRepo(slug: string): Promise<RepoInfo>;
  listOrgRepos(org: string): Promise<RepoInfo[]>;
  /** The open PR/MR whose head is `head`; else the latest closed or merged one; else null. */
  findPr(slug: string, head: string): Promise<(PullRequest & { open: boolean }) | null>;
  createPr(input: PrInput): Promise<PullRequest>;
  updatePr(pr: PullRequest, input: PrInput): Promise<PullRequest>;
  /**
   * Git config entries giving git access to this host's HTTPS clone URLs (token as an extra
   * header, never in the URL). Empty for other hosts so the token never leaves for them.
   */
  gitConfig(cloneUrl: string): Record<string, string>;
}

/** owner/name (or group/sub/name) from a clone URL or path; null when it cannot tell. */
export function slugFromUrl(url: string, kind: "github" | "gitlab"): string | null {
  let p: string;
  const scp = /^[^/@:\s]+@[^:/\s]+:(.+)$/.exec(url);
  if (scp) p = scp[1]!;
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      p = new URL(url).pathname;
    } catch {
      return null;
    }
    if (url.startsWith("file:")) return lastTwo(p);
  } else return lastTwo(url);
  const parts = p
    .replace(/\.git\/?$/, "")
    .split("/")
    .filter(Boolean);
  if (parts.length < 2) return null;
  return kind === "github" ? parts.slice(-2).join("/") : parts.join("/");
}

function lastTwo(p: string): string | null {
  const parts = p
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .split(/[\\/]/)
    .filter(Boolean);
  return parts.length >= 2 ? parts.slice(-2).join("/") : null;
}

/** Authorization header scoped to one origin, for git's `http.<url>.extraHeader`. */
export function basicAuthConfig(
  cloneUrl: string,
  allowedHosts: string[],
  user: string,
  token: string | undefined,
): Record<string, string> {
  if (!token || !/^https?:\/\//i.test(cloneUrl)) return {};
  let u: URL;
  try {
    u = new URL(cloneUrl);
  } catch {
    return {};
  }
  if (!allowedHosts.includes(u.host)) return {};
  const auth = Buffer.from(`${user}:${token}`).toString("base64");
  return { [`http.${u.origin}/.extraHeader`]: `Authorization: Basic ${auth}` };
}
