// Renders the bulk summary for people (terminal, Markdown) and machines (JSON). The --report file
// is written as the run goes (openBulkReport), so a 100,000-file run never holds its rows.
import { createReadStream, createWriteStream, rmSync, type WriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { finished } from "node:stream/promises";
import { onHardExit } from "../io/cancel.js";
import type { BulkSummary, FileOutcome } from "./run.js";

// ---- writing with backpressure -----------------------------------------------------------------

/** Writes `chunk`; when the stream's buffer is full, waits for it to drain (or to fail or close). */
export async function writeOut(
  stream: NodeJS.WritableStream,
  chunk: string | Uint8Array,
): Promise<void> {
  if (stream.write(chunk)) return;
  // Test doubles without events: nothing to wait for.
  if (typeof (stream as Partial<NodeJS.EventEmitter>).once !== "function") return;
  await new Promise<void>((resolve, reject) => {
    const done = (error?: unknown) => {
      stream.off("drain", done);
      stream.off("error", done);
      stream.off("close", done);
      if (error instanceof Error) reject(error);
      else resolve();
    };
    stream.once("drain", done);
    stream.once("error", done);
    stream.once("close", done);
  });
}

// ---- a JSON document whose first key is a long array, written piece by piece -------------------

/**
 * `{"files": [item, item, …], …rest}` in JSON.stringify(…, null, 2)'s layout, byte for byte, one
 * piece at a time: begin(), then item() per element, then end(rest) for the keys after the array.
 */
/** Lengths of `{\n  "k": [\n    ` and `\n  ]\n}` around an element in JSON.stringify(…, null, 2). */
const ITEM_START = 15;
const ITEM_END = 6;

export class JsonArrayDocument {
  private count = 0;
  constructor(private readonly key = "files") {}

  begin(): string {
    return `{\n  ${JSON.stringify(this.key)}: `;
  }

  item(value: unknown): string {
    // Stringified inside `{"k": [value]}`, the value comes out indented as an element of the
    // array already: cut it out rather than re-indent every line (40% less time per file).
    const text = JSON.stringify({ k: [value] }, null, 2);
    return `${this.count++ === 0 ? "[\n" : ",\n"}    ${text.slice(ITEM_START, -ITEM_END)}`;
  }

  end(rest: Record<string, unknown>): string {
    const array = this.count === 0 ? "[]" : "\n  ]";
    const tail = JSON.stringify(rest, null, 2);
    return `${array}${tail === "{}" ? "\n}" : `,${tail.slice(1)}`}\n`;
  }
}

// ---- terminal ----------------------------------------------------------------------------------

/** The final summary printed after a run: counts, reasons, the first errors. */
export function renderSummaryText(s: BulkSummary): string {
  const lines = [
    `${s.files} file(s) seen: ${s.converted} converted, ${s.unchanged} unchanged, ${s.skipped} skipped, ${s.errors} error(s)`,
  ];
  const reasons = Object.entries(s.byReason).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (reasons.length) {
    lines.push(`left alone by reason: ${reasons.map(([code, n]) => `${code} ${n}`).join(", ")}`);
  }
  for (const o of s.firstErrors) lines.push(`error: ${o.path}: ${o.error}`);
  const more = s.errors - s.firstErrors.length;
  if (more > 0) lines.push(`… and ${more} more error(s) (--report FILE lists every file)`);
  if (s.cancelled) lines.push(cancelledText(s.cancelled.notReached));
  return lines.join("\n") + "\n";
}

function cancelledText(notReached: number): string {
  return `cancelled: ${notReached} file(s) not reached; run the same command again to finish`;
}

// ---- Markdown and JSON reports -----------------------------------------------------------------

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function reasonText(o: FileOutcome): string {
  if (o.error) return o.error;
  if (o.decision === "converted") return o.image ? `runtime ${o.image}` : "";
  return o.reasons.map((r) => (r.line ? `${r.message} (line ${r.line})` : r.message)).join("; ");
}

const KINDS = ["converted", "unchanged", "skipped", "error"] as const;

function markdownRow(o: FileOutcome): string {
  return `| ${cell(o.path)} | ${o.ecosystem ?? ""} | ${cell(reasonText(o))} |`;
}

function markdownHead(s: BulkSummary): string[] {
  const out = [
    "# msb-migrate report",
    "",
    "| files | converted | unchanged | skipped | errors |",
    "| ---: | ---: | ---: | ---: | ---: |",
    `| ${s.files} | ${s.converted} | ${s.unchanged} | ${s.skipped} | ${s.errors} |`,
    "",
  ];
  if (s.cancelled) out.push(`**${cancelledText(s.cancelled.notReached)}**`, "");
  const reasons = Object.entries(s.byReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length) {
    out.push("## Left alone by reason", "", "| reason | files |", "| --- | ---: |");
    for (const [code, n] of reasons) out.push(`| ${cell(code)} | ${n} |`);
    out.push("");
  }
  return out;
}

function sectionHead(kind: (typeof KINDS)[number], n: number): string[] {
  const title = kind === "error" ? "Errors" : kind[0]!.toUpperCase() + kind.slice(1);
  return [`## ${title} (${n})`, "", "| file | ecosystem | why |", "| --- | --- | --- |"];
}

/** The counts the JSON report puts after its `files` array. */
function jsonCounts(s: BulkSummary): Record<string, unknown> {
  const { files: _files, firstErrors: _errors, ...counts } = s;
  return counts;
}

/** The whole Markdown report from outcomes in memory (small runs, tests); see openBulkReport. */
export function renderReportMarkdown(s: BulkSummary, outcomes: FileOutcome[]): string {
  const out = markdownHead(s);
  for (const kind of KINDS) {
    const rows = outcomes.filter((o) => o.decision === kind);
    if (!rows.length) continue;
    out.push(...sectionHead(kind, rows.length), ...rows.map(markdownRow), "");
  }
  return out.join("\n");
}

/** The whole JSON report from outcomes in memory (small runs, tests); see openBulkReport. */
export function renderReportJson(s: BulkSummary, outcomes: FileOutcome[]): string {
  const doc = new JsonArrayDocument("files");
  return doc.begin() + outcomes.map((o) => doc.item(o)).join("") + doc.end(jsonCounts(s));
}

/** A report written as the run goes: add() each outcome in order, then finish() with the summary. */
export interface BulkReportWriter {
  add(o: FileOutcome): Promise<void>;
  finish(s: BulkSummary): Promise<void>;
  /** Removes the spool files (after a failed run); the report file is left as it is. */
  abort(): Promise<void>;
}

interface Spool {
  file: string;
  stream: WriteStream;
  count: number;
}

/**
 * Opens FILE for a report (JSON when the name ends in .json, Markdown otherwise). Rows go to spool
 * files in a temporary directory as the run goes (the Markdown report groups them by decision, and
 * both formats put the counts, known only at the end, before or after the rows); finish() writes
 * FILE from the spools. FILE is created at once, so an unwritable path fails before any work.
 */
export async function openBulkReport(file: string): Promise<BulkReportWriter> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, "", "utf8");
  const json = file.toLowerCase().endsWith(".json");
  const dir = await mkdtemp(path.join(os.tmpdir(), "msb-report-"));
  const forget = onHardExit(() => rmSync(dir, { recursive: true, force: true }));
  const spools = new Map<string, Spool>();
  const doc = new JsonArrayDocument("files");

  const spool = (key: string): Spool => {
    let s = spools.get(key);
    if (!s) {
      const f = path.join(dir, key);
      s = { file: f, stream: createWriteStream(f), count: 0 };
      spools.set(key, s);
    }
    return s;
  };
  const closeSpools = async () => {
    for (const s of spools.values()) {
      s.stream.end();
      await finished(s.stream);
    }
  };

  return {
    async add(o) {
      const s = spool(json ? "files" : o.decision);
      s.count++;
      await writeOut(s.stream, json ? doc.item(o) : markdownRow(o) + "\n");
    },
    async finish(summary) {
      await closeSpools();
      const out = createWriteStream(file);
      try {
        const copy = async (key: string) => {
          const s = spools.get(key);
          if (s) for await (const chunk of createReadStream(s.file)) await writeOut(out, chunk);
        };
        if (json) {
          await writeOut(out, doc.begin());
          await copy("files");
          await writeOut(out, doc.end(jsonCounts(summary)));
        } else {
          // Each block of lines ends in "": written as every line + "\n" but the document's last "".
          await writeOut(out, markdownHead(summary).slice(0, -1).join("\n") + "\n");
          for (const kind of KINDS) {
            const s = spools.get(kind);
            if (!s?.count) continue;
            await writeOut(out, "\n" + sectionHead(kind, s.count).join("\n") + "\n");
            await copy(kind);
          }
        }
        out.end();
        await finished(out);
      } finally {
        out.destroy();
        await rm(dir, { recursive: true, force: true });
        forget();
      }
    },
    async abort() {
      for (const s of spools.values()) s.stream.destroy();
      await rm(dir, { recursive: true, force: true });
      forget();
    },
  };
}

/** Writes a report for outcomes already in memory (small runs, tests). */
export async function writeBulkReport(
  file: string,
  s: BulkSummary,
  outcomes: FileOutcome[],
): Promise<void> {
  const w = await openBulkReport(file);
  try {
    for (const o of outcomes) await w.add(o);
    await w.finish(s);
  } catch (e) {
    await w.abort();
    throw e;
  }
}
