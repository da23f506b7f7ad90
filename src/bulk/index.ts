// Bulk mode as a library: the CLI main command and `pr` both use it.
export {
  findDockerfiles,
  walkDockerfiles,
  isDockerfileName,
  type WalkOptions,
  type WalkError,
} from "./walk.js";
export {
  runBulk,
  convertFile,
  summarize,
  defaultJobs,
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
