// Bulk mode as a library: the CLI main command and `pr` both use it.
export { findDockerfiles, isDockerfileName, type WalkOptions } from "./walk.js";
export {
  runBulk,
  convertFile,
  summarize,
  defaultJobs,
  readText,
  type BulkEvent,
  type BulkOptions,
  type BulkSummary,
  type FileOutcome,
} from "./run.js";
export {
  renderSummaryText,
  renderReportMarkdown,
  renderReportJson,
  writeBulkReport,
} from "./report.js";
export { createProgress, wantsBar } from "./progress.js";
