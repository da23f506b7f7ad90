// `--format sarif`: a SARIF 2.1.0 log for code scanning. One result per file that would change
// (where: its FROM line; what: the builder/runtime split; the patch as a SARIF fix), a note per
// file left alone (its reason), and errors as tool notifications. Written piece by piece like
// --json, so a bulk run keeps flat memory: results first, then what is only known at the end.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { applyPatch, diffLines } from "diff";
import type * as Sarif from "sarif";
import type { Reason, RuntimePlan } from "../types.js";
import { VERSION } from "../version.js";
import { CONVERT_RULE, CONVERT_RULE_INDEX, RULES, ruleForReason } from "./sarif-rules.js";

/** The OASIS standard's schema (2.1.0 with its errata), as `$schema` names it. */
export const SARIF_SCHEMA =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** What the log needs of one file: a --json entry (FileReport) has it all. */
export interface SarifFile {
  path: string;
  decision: "converted" | "unchanged" | "skipped" | "error";
  reasons: Reason[];
  ecosystem: string | null;
  plan: Pick<RuntimePlan, "image" | "artifacts" | "runtimePackages"> | null;
  facts: { line: number; role: string }[];
  patch: string;
}

/** Errors listed as notifications; past this many, one more notification gives the count. */
export const NOTIFICATION_LIMIT = 1000;

/** Where the scan runs: results are named relative to it (the repository root, in CI). */
export const SRCROOT = "SRCROOT";

/**
 * Names files as SARIF artifact locations. A file under the working directory is relative to it
 * (uriBaseId SRCROOT), so a scan run at a repository's root names files the way code scanning
 * expects; a file under a scanned folder elsewhere is relative to that folder (ROOT1, ROOT2…);
 * anything else is an absolute file URI.
 */
export class SarifLocator {
  private readonly cwd: string;
  private readonly roots: string[];
  private readonly bases = new Map<string, string>();

  constructor(scanned: string[], cwd = process.cwd()) {
    this.cwd = path.resolve(cwd);
    this.roots = scanned.map((p) => path.resolve(this.cwd, p));
  }

  locate(file: string): Sarif.ArtifactLocation {
    const abs = path.resolve(this.cwd, file);
    if (inside(this.cwd, abs)) return { uri: relativeUri(this.cwd, abs), uriBaseId: SRCROOT };
    for (const root of this.roots) {
      // A file named on the command line: its folder is the one scanned.
      const base = root === abs ? path.dirname(root) : root;
      if (!inside(base, abs)) continue;
      let id = this.bases.get(base);
      if (!id) this.bases.set(base, (id = `ROOT${this.bases.size + 1}`));
      return { uri: relativeUri(base, abs), uriBaseId: id };
    }
    return { uri: pathToFileURL(abs).href };
  }

  /** run.originalUriBaseIds: each base id as an absolute folder URI (ending in /). */
  originalUriBaseIds(): Record<string, Sarif.ArtifactLocation> {
    const out: Record<string, Sarif.ArtifactLocation> = { [SRCROOT]: { uri: folderUri(this.cwd) } };
    for (const [base, id] of this.bases) out[id] = { uri: folderUri(base) };
    return out;
  }
}

function inside(base: string, abs: string): boolean {
  return abs !== base && abs.startsWith(base.endsWith(path.sep) ? base : base + path.sep);
}

function relativeUri(base: string, abs: string): string {
  return path.relative(base, abs).split(path.sep).map(encodeURIComponent).join("/");
}

function folderUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith("/") ? href : `${href}/`;
}

/** The line of the first FROM (the one that becomes the builder), else the reason's, else 1. */
function fromLine(f: SarifFile): number {
  return f.facts.find((l) => l.role === "base")?.line ?? f.reasons[0]?.line ?? 1;
}

/** What would move where, in one sentence. */
export function convertMessage(f: SarifFile, fromText: string | null): string {
  const plan = f.plan;
  const builder = fromText ? ` (${fromText.trim()})` : "";
  const eco = f.ecosystem ? `${f.ecosystem} ` : "";
  const parts = [
    `Single-stage ${eco}build: the toolchain and build steps would move into a builder stage${builder}, ` +
      `and a runtime stage on ${plan?.image ?? "a smaller image"} would run the program`,
  ];
  const copies = (plan?.artifacts ?? []).map((a) =>
    a.from === a.to ? a.from : `${a.from} → ${a.to}`,
  );
  if (copies.length) parts.push(`copied from the builder: ${copies.join(", ")}`);
  if (plan?.runtimePackages.length)
    parts.push(`installed in the runtime stage: ${plan.runtimePackages.join(", ")}`);
  return `${parts.join("; ")}.`;
}

/** Line and column (1-based, UTF-16 code units) of each offset, from the text's line starts. */
function positions(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

/**
 * The patch as SARIF replacements on the original text: each run of removed and added lines is
 * one replacement (an insertion when nothing is removed), located both by line/column and by
 * character offset. Null when the patch does not apply (the file changed since it was read).
 */
export function patchReplacements(text: string, patch: string): Sarif.Replacement[] | null {
  const output = applyPatch(text, patch);
  if (output === false) return null;
  // A byte order mark is not part of the text a viewer edits.
  const bom = text.startsWith("\uFEFF") ? 1 : 0;
  const before = text.slice(bom);
  const pos = positions(before);
  const out: Sarif.Replacement[] = [];
  let offset = 0;
  let open: { start: number; removed: number; inserted: string } | null = null;
  const close = () => {
    if (!open) return;
    const s = pos(open.start);
    const e = pos(open.start + open.removed);
    out.push({
      deletedRegion: {
        startLine: s.line,
        startColumn: s.column,
        endLine: e.line,
        endColumn: e.column,
        charOffset: open.start,
        charLength: open.removed,
      },
      ...(open.inserted ? { insertedContent: { text: open.inserted } } : {}),
    });
    open = null;
  };
  for (const c of diffLines(before, output.slice(bom))) {
    if (!c.added && !c.removed) {
      close();
      offset += c.value.length;
      continue;
    }
    open ??= { start: offset, removed: 0, inserted: "" };
    if (c.removed) {
      open.removed += c.value.length;
      offset += c.value.length;
    } else open.inserted += c.value;
  }
  close();
  return out;
}

/** The FROM instruction's first line, for the message. */
function lineText(text: string, line: number): string | null {
  const l = text.replace(/^\uFEFF/, "").split("\n")[line - 1];
  return l === undefined ? null : l.replace(/\\?\r?$/, "").trim() || null;
}

function indent(json: string, pad: string): string {
  return json.replace(/\n/g, `\n${pad}`);
}

/**
 * The log, written in pieces: begin(), then add() per file (the text of a result, or "" for a
 * file that errored: those become notifications), then end(). `readText` gives a converted file's
 * text again, for its fix; it may return null (then the result has no fix).
 */
export class SarifLog {
  private results = 0;
  private errors = 0;
  private readonly notifications: Sarif.Notification[] = [];

  constructor(private readonly locator: SarifLocator) {}

  begin(): string {
    const driver: Sarif.ToolComponent = {
      name: "msb-migrate",
      version: VERSION,
      semanticVersion: VERSION,
      rules: RULES.map((r) => ({
        id: r.id,
        name: r.name,
        shortDescription: { text: r.short },
        fullDescription: { text: r.short },
        help: { text: r.help, markdown: r.help },
        defaultConfiguration: { level: r.level },
      })),
    };
    const tool = indent(JSON.stringify({ driver }, null, 2), "      ");
    return [
      "{",
      `  "$schema": ${JSON.stringify(SARIF_SCHEMA)},`,
      `  "version": "2.1.0",`,
      `  "runs": [`,
      "    {",
      `      "tool": ${tool},`,
      `      "columnKind": "utf16CodeUnits",`,
      `      "results": [`,
    ].join("\n");
  }

  add(f: SarifFile, readText: () => string | null = () => null): string {
    const artifactLocation = this.locator.locate(f.path);
    if (f.decision === "error") {
      this.errors++;
      if (this.notifications.length < NOTIFICATION_LIMIT) {
        this.notifications.push({
          level: "error",
          message: { text: f.reasons[0]?.message ?? "failed" },
          locations: [{ physicalLocation: { artifactLocation } }],
        });
      }
      return "";
    }
    const startLine = fromLine(f);
    const location = { physicalLocation: { artifactLocation, region: { startLine } } };
    let result: Sarif.Result;
    if (f.decision === "converted") {
      const text = f.patch ? readText() : null;
      const replacements = text !== null ? patchReplacements(text, f.patch) : null;
      result = {
        ruleId: CONVERT_RULE.id,
        ruleIndex: CONVERT_RULE_INDEX,
        level: CONVERT_RULE.level,
        message: { text: convertMessage(f, text === null ? null : lineText(text, startLine)) },
        locations: [location],
        ...(replacements
          ? {
              fixes: [
                {
                  description: {
                    text: `Split into a builder stage and a runtime stage on ${f.plan?.image}`,
                  },
                  artifactChanges: [{ artifactLocation, replacements }],
                },
              ],
            }
          : {}),
        properties: { ecosystem: f.ecosystem, image: f.plan?.image ?? null, patch: f.patch },
      };
    } else {
      const reason = f.reasons[0];
      const { rule, index } = ruleForReason(reason?.code);
      result = {
        ruleId: rule.id,
        ruleIndex: index,
        level: "note",
        message: {
          text: `Left alone (${reason?.code ?? f.decision}): ${reason?.message ?? f.decision}`,
        },
        locations: [location],
        properties: { decision: f.decision, reasons: f.reasons.map((r) => r.code) },
      };
    }
    const text = indent(JSON.stringify(result, null, 2), "        ");
    return `${this.results++ === 0 ? "\n" : ",\n"}        ${text}`;
  }

  end(): string {
    const notes = [...this.notifications];
    if (this.errors > notes.length) {
      notes.push({
        level: "error",
        message: { text: `… and ${this.errors - notes.length} more file(s) that errored` },
      });
    }
    const invocation: Sarif.Invocation = {
      executionSuccessful: this.errors === 0,
      ...(notes.length ? { toolExecutionNotifications: notes } : {}),
    };
    const bases = indent(JSON.stringify(this.locator.originalUriBaseIds(), null, 2), "      ");
    const invocations = indent(JSON.stringify([invocation], null, 2), "      ");
    return [
      `${this.results ? "\n      " : ""}],`,
      `      "originalUriBaseIds": ${bases},`,
      `      "invocations": ${invocations}`,
      "    }",
      "  ]",
      "}",
      "",
    ].join("\n");
  }
}
