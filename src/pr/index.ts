// PR mode as a library.
export { runPr, createPacer, type PrOptions, type PrRunResult } from "./run.js";
export { createGitHub, GITHUB_API, type GitHubOptions } from "./github.js";
export { createGitLab, GITLAB_URL, type GitLabOptions } from "./gitlab.js";
export type { Host, PrInput, PullRequest, RepoInfo } from "./host.js";
export {
  renderPrSummary,
  renderPrReportMarkdown,
  renderPrReportJson,
  writePrReport,
} from "./report.js";
export { readState, type RepoRecord, type StateFile } from "./state.js";
export { redact, addSecret } from "./redact.js";
export { RateLimitError, type RetryPolicy } from "./ratelimit.js";
