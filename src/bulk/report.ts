// Renders the bulk summary for people (terminal, Markdown) and machines (JSON).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BulkSummary, FileOutcome } from "./run.js";

function reasonText(o: FileOutcome): string {
  if (o.error) return o.error;
  if (o.decision === "converted") return o.result?.plan ? `runtime ${o.result.plan.image}` : "";
  return o.reasons.map((r) => (r.line ? `${r.message} (line ${r.line})` : r.message)).join("; ");
}

/** The final summary printed after a run: counts, reasons, errors. */
export function renderSummaryText(s: BulkSummary): string {
  const lines = [
    `${s.files} file(s) seen: ${s.converted} converted, ${s.unchanged} unchanged, ${s.skipped} skipped, ${s.errors} error(s)`,
  ];
  const reasons = Object.entries(s.byReason).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (reasons.length) {
    lines.push(`left alone by reason: ${reasons.map(([code, n]) => `${code} ${n}`).join(", ")}`);
  }
  for (const o of s.outcomes) {
    if (o.decision === "error") lines.push(`error: ${o.path}: ${o.error}`);
  }
  return lines.join("\n") + "\n";
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function renderReportMarkdown(s: BulkSummary): string {
  const out = [
    "# msb-migrate report",
    "",
    "| files | converted | unchanged | skipped | errors |",
    "| ---: | ---: | ---: | ---: | ---: |",
    `| ${s.files} | ${s.converted} | ${s.unchanged} | ${s.skipped} | ${s.errors} |`,
    "",
  ];
  const reasons = Object.entries(s.byReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length) {
    out.push("## Left alone by reason", "", "| reason | files |", "| --- | ---: |");
    for (const [code, n] of reasons) out.push(`| ${cell(code)} | ${n} |`);
    out.push("");
  }
  for (const kind of ["converted", "unchanged", "skipped", "error"] as const) {
    const rows = s.outcomes.filter((o) => o.decision === kind);
    if (!rows.length) continue;
    out.push(
      `## ${kind === "error" ? "Errors" : kind[0]!.toUpperCase() + kind.slice(1)} (${rows.length})`,
      "",
    );
    out.push("| file | ecosystem | why |", "| --- | --- | --- |");
    for (const o of rows)
      out.push(`| ${cell(o.path)} | ${o.ecosystem ?? ""} | ${cell(reasonText(o))} |`);
    out.push("");
  }
  return out.join("\n");
}

export function renderReportJson(s: BulkSummary): string {
  const { outcomes, ...counts } = s;
  // The full engine result and the thrown error stay out: the report is for machines to count.
  const files = outcomes.map(({ result: _r, cause: _c, ...o }) => o);
  return JSON.stringify({ ...counts, files }, null, 2) + "\n";
}

/** Writes the report as JSON when the name ends in .json, Markdown otherwise. */
export async function writeBulkReport(file: string, s: BulkSummary): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const text = file.toLowerCase().endsWith(".json") ? renderReportJson(s) : renderReportMarkdown(s);
  await writeFile(file, text, "utf8");
}
