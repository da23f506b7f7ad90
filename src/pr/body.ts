// PR title, body and commit message, from the conversion results of one repository.
import type { ConvertResult } from "../types.js";

export interface FileEntry {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  decision: string;
  reasons: string[];
  result: ConvertResult | null;
}

export interface SizeRow {
  path: string;
  before?: number;
  after?: number;
  note?: string;
}

export interface BodyContext {
  repo: string;
  branch: string;
  base: string;
  files: FileEntry[];
  diffStat: string;
  /** Present when --verify ran (rows may carry a note instead of sizes). */
  sizes: SizeRow[] | null;
}

/** GitHub rejects bodies over 65,536 characters; leave room for the template around the diff. */
const MAX_BODY = 60_000;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function converted(ctx: BodyContext): FileEntry[] {
  return ctx.files.filter((f) => f.decision === "converted");
}

export function defaultTitle(ctx: BodyContext): string {
  const n = converted(ctx).length;
  return n === 1
    ? `Convert ${converted(ctx)[0]!.path} to a multi-stage build`
    : `Convert ${n} Dockerfiles to multi-stage builds`;
}

function mb(bytes: number | undefined): string {
  return bytes === undefined ? "?" : `${(bytes / 1e6).toFixed(1)} MB`;
}

export function renderSizes(rows: SizeRow[] | null): string {
  if (!rows) return "";
  const out = ["| Dockerfile | before | after | change |", "| --- | ---: | ---: | ---: |"];
  for (const r of rows) {
    if (r.note) {
      out.push(`| \`${r.path}\` | | | ${r.note} |`);
      continue;
    }
    const change =
      r.before && r.after !== undefined
        ? `${(((r.after - r.before) / r.before) * 100).toFixed(0)}%`
        : "";
    out.push(`| \`${r.path}\` | ${mb(r.before)} | ${mb(r.after)} | ${change} |`);
  }
  return out.join("\n");
}

function fileNote(f: FileEntry): string {
  if (f.decision === "converted") {
    const r = f.result;
    return r?.plan ? ` (${r.ecosystem ?? "build"} builder → \`${r.plan.image}\`)` : "";
  }
  return f.reasons.length ? ` (${f.reasons.join("; ")})` : "";
}

export function renderFileList(ctx: BodyContext): string {
  return ctx.files.map((f) => `- \`${f.path}\`: ${f.decision}${fileNote(f)}`).join("\n");
}

const DETECTED_ROLES = new Set(["base", "toolchain", "dependency", "build", "artifact", "cleanup"]);

/** Lines the engine recognised as toolchain, dependency, build or artifact steps, with evidence. */
function detected(r: ConvertResult): string[] {
  const out: string[] = [];
  for (const l of r.facts?.lines ?? []) {
    // A base line only counts with evidence (a toolchain image); plain metadata is not news.
    if (!DETECTED_ROLES.has(l.role) || !l.evidence.length) continue;
    const ev = l.evidence[0]!;
    out.push(`- line ${l.line} \`${l.keyword}\`: **${l.role}** (\`${ev.match}\`) — ${ev.why}`);
  }
  return out;
}

/** The engine's own sentences for the plan, plus the changes a reviewer must not miss. */
function decisions(r: ConvertResult): string[] {
  const out: string[] = [];
  const planLines = r.explanation.filter((e) => e.role === "plan" || e.role === "leave");
  for (const e of planLines) out.push(`- ${e.line ? `line ${e.line}: ` : ""}${e.text}`);
  const p = r.plan;
  if (p) {
    if (!planLines.length) {
      out.push(`- runtime image \`${p.image}\`${p.imageWhy ? ` — ${p.imageWhy}` : ""}`);
      for (const a of p.artifacts)
        out.push(`- copy \`${a.from}\` → \`${a.to}\` from the builder — ${a.why}`);
    }
    // The engine's sentences usually say these already; add only what they leave out.
    const said = planLines.map((e) => e.text).join("\n");
    const unsaid = (xs: string[]) => xs.filter((x) => !said.includes(x));
    const pkgs = unsaid(p.runtimePackages);
    if (pkgs.length) out.push(`- runtime packages: ${pkgs.map((x) => `\`${x}\``).join(", ")}`);
    const env = unsaid(p.droppedEnv);
    if (env.length) {
      out.push(
        `- ENV only the build needs, not in the final image: ${env.map((x) => `\`${x}\``).join(", ")}`,
      );
    }
    for (const c of p.declaredChanges) {
      if (said.includes(c.why)) continue;
      out.push(`- **changes** \`${c.field}\` from \`${c.from}\` to \`${c.to}\` — ${c.why}`);
    }
    for (const n of unsaid(p.notes)) out.push(`- note: ${n}`);
  }
  return out;
}

function contract(r: ConvertResult): string[] {
  const c = r.contract;
  if (!c) return ["**Contract check:** not run."];
  const fields = c.items.map((i) => i.field);
  const changed = c.items.filter((i) => i.status !== "same");
  const out = [
    c.ok
      ? `**Contract check: passed** (${c.items.length} checks: ${fields.join(", ")}) — the final image keeps what the original declared${changed.length ? ", except:" : "."}`
      : "**Contract check: differences found** — review these:",
  ];
  if (changed.length) {
    out.push("", "| field | status | detail |", "| --- | --- | --- |");
    for (const i of changed)
      out.push(`| ${i.field} | ${i.status} | ${i.detail.replace(/\|/g, "\\|")} |`);
  }
  return out;
}

function fence(text: string, lang = ""): string {
  // A fence longer than any backtick run inside, so a diff containing ``` cannot break out.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = "`".repeat(longest + 1);
  return `${f}${lang}\n${text.replace(/\n$/, "")}\n${f}`;
}

/** The per-file sections: detected lines, decisions, contract, diff. */
export function renderDecisions(ctx: BodyContext, withDiff = true, diffBudget = MAX_BODY): string {
  const out: string[] = [];
  let budget = diffBudget;
  for (const f of converted(ctx)) {
    const r = f.result!;
    out.push(`### \`${f.path}\`${r.ecosystem ? ` (${r.ecosystem})` : ""}`, "");
    const d = detected(r);
    if (d.length) out.push("**Detected**", "", ...d, "");
    const dec = decisions(r);
    if (dec.length) out.push("**Decisions**", "", ...dec, "");
    out.push(...contract(r), "");
    if (withDiff && r.patch) {
      if (r.patch.length <= budget) {
        out.push(
          "<details><summary>Diff</summary>",
          "",
          fence(r.patch, "diff"),
          "",
          "</details>",
          "",
        );
        budget -= r.patch.length;
      } else {
        out.push("_Diff too large for the description; see the Files tab._", "");
      }
    }
  }
  const left = ctx.files.filter((f) => f.decision !== "converted");
  if (left.length) {
    out.push("### Left alone", "");
    for (const f of left)
      out.push(
        `- \`${f.path}\`: ${f.decision}${f.reasons.length ? ` — ${f.reasons.join("; ")}` : ""}`,
      );
    out.push("");
  }
  return out.join("\n").trimEnd();
}

export function renderTestSteps(ctx: BodyContext): string {
  const lines = ["```sh"];
  for (const f of converted(ctx)) {
    const dir = f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/")) : ".";
    const builder = f.result?.stages[0] ?? "builder";
    const fileArg =
      f.path.endsWith("/Dockerfile") || f.path === "Dockerfile" ? "" : ` -f ${f.path}`;
    // Build the builder stage alone first: a failure there is the build, not the runtime stage.
    lines.push(`docker build --target ${builder}${fileArg} ${dir}`);
    lines.push(`docker build${fileArg} ${dir}`);
  }
  lines.push("```");
  return lines.join("\n");
}

export function defaultBody(ctx: BodyContext): string {
  const n = converted(ctx).length;
  const parts = [
    `This change splits ${plural(n, "Dockerfile", "Dockerfiles")} into a builder stage, which keeps the toolchain, and a runtime stage that receives only what the program needs to run. Generated by msb-migrate; every decision below is explained.`,
    "",
    "## Files",
    "",
    renderFileList(ctx),
    "",
    "## What was detected and decided",
    "",
    renderDecisions(ctx, true, MAX_BODY - 8_000),
    "",
  ];
  if (ctx.sizes) parts.push("## Image sizes (`--verify`)", "", renderSizes(ctx.sizes), "");
  parts.push("## Diff stat", "", fence(ctx.diffStat || "(none)"), "");
  parts.push(
    "## How to test",
    "",
    "Build the builder stage alone, then the whole file, and run the image as before (the context shown is the file's folder; use the one your CI uses):",
    "",
    renderTestSteps(ctx),
    "",
  );
  return parts.join("\n");
}

/** Placeholders usable in --title and --body-file templates. */
export function templateVars(ctx: BodyContext): Record<string, string> {
  return {
    repo: ctx.repo,
    branch: ctx.branch,
    base: ctx.base,
    count: String(converted(ctx).length),
    files: renderFileList(ctx),
    decisions: renderDecisions(ctx, false),
    diff: converted(ctx)
      .map((f) => f.result?.patch ?? "")
      .join(""),
    diffstat: ctx.diffStat,
    sizes: renderSizes(ctx.sizes),
    test: renderTestSteps(ctx),
    title: defaultTitle(ctx),
    body: defaultBody(ctx),
  };
}

/** Replaces {{name}} (spaces allowed inside the braces); unknown names are an error, not blanks. */
export function renderTemplate(tpl: string, vars: Record<string, string>): string {
  return tpl.replace(/\{\{\s*([a-zA-Z]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in vars)) {
      throw new Error(
        `unknown template placeholder {{${name}}}; known: ${Object.keys(vars).join(", ")}`,
      );
    }
    return vars[name]!;
  });
}

export function commitMessage(ctx: BodyContext): string {
  const lines = [defaultTitle(ctx), ""];
  for (const f of converted(ctx)) {
    const p = f.result?.plan;
    lines.push(
      `- ${f.path}: ${f.result?.ecosystem ?? "build"} builder, runtime ${p?.image ?? "stage"}`,
    );
  }
  lines.push("", `${"Generated-by"}: msb-migrate`);
  return lines.join("\n");
}
