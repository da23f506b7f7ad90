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
  defaultConvertJobs,
  defaultJobs,
  forEachOrdered,
  Tally,
  ERROR_LIST_LIMIT,
  POOL_MIN_FILES,
  type BulkResult,
  type FileDone,
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
  openBulkReport,
  writeOut,
  JsonArrayDocument,
  type BulkReportWriter,
} from "./report.js";
export { createProgress, wantsBar } from "./progress.js";
