// The run's report: which repositories were converted, left unchanged, skipped or failed.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { redact } from "./redact.js";
import type { RepoRecord, RepoStatus } from "./state.js";

const ORDER: RepoStatus[] = ["converted", "unchanged", "skipped", "failed"];

export function countByStatus(records: RepoRecord[]): Record<RepoStatus, number> {
  const c: Record<RepoStatus, number> = { converted: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const r of records) c[r.status]++;
  return c;
}

function detail(r: RepoRecord): string {
  if (r.error) return r.error;
  const what = r.status === "converted" ? r.action : (r.reason ?? r.action);
  return r.prUrl ? `${what} ${r.prUrl}` : what;
}

/** A few lines for the terminal: counts, then one line per repository that needs attention. */
export function renderPrSummary(records: RepoRecord[]): string {
  const c = countByStatus(records);
  const lines = [
    `${records.length} repositor${records.length === 1 ? "y" : "ies"}: ${c.converted} converted, ${c.unchanged} unchanged, ${c.skipped} skipped, ${c.failed} failed`,
  ];
  for (const status of ORDER) {
    for (const r of records.filter((x) => x.status === status)) {
      lines.push(`  ${status.padEnd(9)} ${r.repo}: ${detail(r)}`);
    }
  }
  return redact(lines.join("\n")) + "\n";
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

export function renderPrReportMarkdown(records: RepoRecord[]): string {
  const c = countByStatus(records);
  const out = [
    "# msb-migrate pr report",
    "",
    "| converted | unchanged | skipped | failed |",
    "| ---: | ---: | ---: | ---: |",
    `| ${c.converted} | ${c.unchanged} | ${c.skipped} | ${c.failed} |`,
    "",
  ];
  for (const status of ORDER) {
    const rows = records.filter((r) => r.status === status);
    if (!rows.length) continue;
    out.push(`## ${status[0]!.toUpperCase()}${status.slice(1)} (${rows.length})`, "");
    out.push(
      "| repository | files converted | commit | PR | detail |",
      "| --- | ---: | --- | --- | --- |",
    );
    for (const r of rows) {
      const n = r.files.filter((f) => f.decision === "converted").length;
      const commit = r.commit ? r.commit.slice(0, 12) : "";
      out.push(
        `| ${cell(r.repo)} | ${n} | ${commit} | ${r.prUrl ?? ""} | ${cell(r.error ?? r.reason ?? r.action)} |`,
      );
    }
    out.push("");
  }
  return redact(out.join("\n"));
}

export function renderPrReportJson(records: RepoRecord[]): string {
  return (
    redact(JSON.stringify({ summary: countByStatus(records), repositories: records }, null, 2)) +
    "\n"
  );
}

/** JSON when the name ends in .json, Markdown otherwise. */
export async function writePrReport(file: string, records: RepoRecord[]): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const json = file.toLowerCase().endsWith(".json");
  await writeFile(
    file,
    json ? renderPrReportJson(records) : renderPrReportMarkdown(records),
    "utf8",
  );
}
