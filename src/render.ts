// Render: the plan as range edits on the original text, so untouched bytes stay untouched.
import { TextDocument, type TextEdit } from "vscode-languageserver-textdocument";
import type { Planned } from "./plan.js";
import type { TransformContext } from "./transform.js";
import type { InstructionNode } from "./types.js";
import { addsPackageRepository, referencedGlobalArgs } from "./plan.js";

const BOM = "\uFEFF";

/** Quote an ENV value for `k=v` form when it needs it. */
function envPair(k: string, v: string): string {
  return /^[A-Za-z0-9_./:@%+,-]*$/.test(v) ? `${k}=${v}` : `${k}=${JSON.stringify(v)}`;
}

/** The runtime stage's opening lines (FROM, packages, carried instructions, copies). */
export function runtimeHeader(ctx: TransformContext, planned: Planned): string[] {
  const { doc, facts } = ctx;
  const { plan, builderName } = planned;
  const lower = isLowerCase(firstFrom(doc.instructions));
  const kw = (k: string) => (lower ? k.toLowerCase() : k);
  const lines: string[] = [`${kw("FROM")} ${plan.image}`];
  const carriedIns = plan.carried.map((i) => doc.instructions[i]!);
  const tail = doc.instructions.filter(
    (i) => i.index > planned.lastBuild && !plan.builderOnly.includes(i.index),
  );
  for (const a of referencedGlobalArgs(ctx, [...carriedIns, ...tail]))
    lines.push(`${kw("ARG")} ${a}`);
  const extra = plan.extraSteps.map((s) => s.replace(/^(RUN|COPY|ENV)\b/, (m) => kw(m)));
  // Runtime packages may come from a package repository a carried step adds: install after it.
  const repositories = plan.repositoryFiles ?? [];
  const afterRepository = repositories.length > 0 || carriedIns.some(addsPackageRepository);
  const copyRepository = (before: number) => {
    for (const r of repositories.filter((r) => r.before === before))
      for (const f of r.files) lines.push(`${kw("COPY")} --from=${builderName} ${f} ${f}`);
  };
  if (!afterRepository) lines.push(...extra);
  let user: string | null = null;
  let setsWorkdir = false;
  for (const ins of carriedIns) {
    if (ins.keyword === "ENV") {
      const kept = ins.properties.filter(([k]) => !plan.droppedEnv.includes(k));
      if (kept.length === 0) continue;
      lines.push(
        kept.length === ins.properties.length
          ? ins.raw
          : `${kw("ENV")} ${kept.map(([k, v]) => envPair(k, v)).join(" ")}`,
      );
      continue;
    }
    if (ins.keyword === "USER") user = ins.args;
    if (ins.keyword === "WORKDIR") setsWorkdir = true;
    copyRepository(ins.index);
    lines.push(ins.raw);
  }
  if (afterRepository) {
    copyRepository(-1);
    lines.push(...extra);
  }
  // A toolchain image's own WORKDIR (/go in golang) is part of the contract too.
  if (!setsWorkdir && facts.finalWorkdir !== "/" && !tail.some((i) => i.keyword === "WORKDIR")) {
    lines.push(`${kw("WORKDIR")} ${facts.finalWorkdir}`);
  }
  const chown = user && !/^(root|0)(:.*)?$/.test(user) ? ` --chown=${user}` : "";
  for (const a of plan.artifacts)
    lines.push(`${kw("COPY")} --from=${builderName}${chown} ${a.from} ${a.to}`);
  lines.push(
    ...(plan.afterCopySteps ?? []).map((s) => s.replace(/^(RUN|COPY|ENV)\b/, (m) => kw(m))),
  );
  return lines;
}

function firstFrom(instructions: InstructionNode[]): InstructionNode {
  return instructions.find((i) => i.keyword === "FROM")!;
}

function isLowerCase(ins: InstructionNode): boolean {
  const written = ins.raw.trimStart().split(/\s/)[0] ?? "";
  return written === written.toLowerCase();
}

/** Length of the line ending at `at`: 2 for CRLF, 1 for LF, 0 for none. */
function eolLength(text: string, at: number): number {
  return text.startsWith("\r\n", at) ? 2 : text.startsWith("\n", at) ? 1 : 0;
}

export interface Rendered {
  text: string;
  /** Offset in `text` (BOM included) where the builder stage's FROM starts. */
  builderStart: number;
  /** Offset in `text` (BOM included) where the runtime stage's FROM starts. */
  runtimeStart: number;
}

/** Apply the plan: name the builder, move builder-only tail lines up, insert the runtime stage. */
export function render(ctx: TransformContext, planned: Planned): Rendered {
  const { doc } = ctx;
  const text = doc.bom ? doc.text.slice(1) : doc.text;
  const textDoc = TextDocument.create("file:///Dockerfile", "dockerfile", 0, text);
  const eol = doc.eol;
  // The insertion goes first: an edit list must not overlap and ties keep their order.
  const edits: TextEdit[] = [];
  // The first FROM, not the first instruction: ARG may come before it.
  const from = firstFrom(doc.instructions);
  // The builder's image word: pinned to its release when the plan says so, then named.
  let aliasLength = 0;
  const pinned = planned.plan.builderImage;
  if (!planned.existingAlias || pinned) {
    const m = /^(\s*\S+\s+(?:--\S+\s+)*)(\S+)/.exec(from.raw)!;
    const wordStart = from.start + m[1]!.length;
    const word = m[2]!;
    const image = pinned ? pinned.to : word;
    const alias = planned.existingAlias
      ? ""
      : isLowerCase(from)
        ? ` as ${planned.builderName}`
        : ` AS ${planned.builderName}`;
    aliasLength = image.length - word.length + alias.length;
    edits.push({
      range: {
        start: textDoc.positionAt(wordStart),
        end: textDoc.positionAt(wordStart + word.length),
      },
      newText: image + alias,
    });
  }
  // Builder edits before the runtime stage: lines inserted before an instruction (the Python
  // virtualenv), and dependency steps put before the sources (cache order). One edit per touched
  // instruction, from its line's start to its end, so no two edits overlap or tie.
  const kwLine = (l: string) =>
    l.replace(/^(RUN|COPY|ENV)\b/, (m) => (isLowerCase(from) ? m.toLowerCase() : m));
  const touched = new Map<number, { before: string[]; text?: string }>();
  const touch = (i: number) => {
    let t = touched.get(i);
    if (!t) touched.set(i, (t = { before: [] }));
    return t;
  };
  for (const ins of planned.plan.builderInserts ?? [])
    touch(ins.before).before.push(...ins.lines.map(kwLine));
  for (const rw of planned.plan.builderRewrites ?? []) touch(rw.index).text = rw.text;
  for (const step of planned.plan.cacheOrder?.steps ?? []) {
    const copy = doc.instructions[step.copy]!;
    const run = doc.instructions[step.run]!;
    const added = step.added.map(kwLine);
    if (step.moves) {
      touch(step.copy).text = added.join(eol);
      touch(step.run).text = [
        step.split?.dep ?? run.raw,
        copy.raw,
        ...(step.split?.rest ? [step.split.rest] : []),
        ...(step.after ? [kwLine(step.after)] : []),
      ].join(eol);
    } else {
      touch(step.copy).text = [
        ...added,
        ...(step.addedRun ? [kwLine(step.addedRun)] : []),
        copy.raw,
      ].join(eol);
      // The build itself changes (Cargo: it touches the real sources first).
      if (step.split) touch(step.run).text = step.split.dep;
    }
  }
  let builderDelta = 0;
  for (const [i, t] of touched) {
    const ins = doc.instructions[i]!;
    const lineStart = text.lastIndexOf("\n", ins.start - 1) + 1;
    const newText =
      t.before.map((l) => l + eol).join("") +
      text.slice(lineStart, ins.start) +
      (t.text ?? ins.raw);
    builderDelta += newText.length - (ins.end - lineStart);
    edits.push({
      range: { start: textDoc.positionAt(lineStart), end: textDoc.positionAt(ins.end) },
      newText,
    });
  }
  // Builder-only lines of the tail that follow the last build step with only blank lines between
  // stay where they are (with those blank lines): the runtime stage goes in after them. The others
  // are moved up to join them.
  const builderOnly = new Set(planned.plan.builderOnly);
  let last = doc.instructions[planned.lastBuild]!;
  for (let k = last.index + 1; k < doc.instructions.length && builderOnly.has(k); k++) {
    const next = doc.instructions[k]!;
    if (text.slice(last.end, next.start).trim() !== "") break;
    last = next;
  }
  const moved = planned.plan.builderOnly
    .filter((i) => i > last.index)
    .map((i) => doc.instructions[i]!);
  // Insert after the last build line's own line ending, so every original line keeps its ending
  // (files with mixed endings); at the end of a file without one, insert before the end instead.
  const lastEol = eolLength(text, last.end);
  const insertOffset = last.end + lastEol;
  const insertAt = textDoc.positionAt(insertOffset);
  const header = runtimeHeader(ctx, planned);
  const kw = (k: string) => (isLowerCase(from) ? k.toLowerCase() : k);
  const added = (planned.plan.builderSteps ?? []).map((s) =>
    s.line.replace(/^(RUN|COPY|ENV)\b/, (m) => kw(m)),
  );
  const block = [...moved.map((i) => i.raw), ...added, "", ...header];
  const lines = lastEol ? block.map((l) => l + eol) : block.map((l) => eol + l);
  edits.push({ range: { start: insertAt, end: insertAt }, newText: lines.join("") });
  // Where the runtime FROM lands: nothing before the insertion changes but the builder's alias.
  const beforeHeader = lines.slice(0, block.length - header.length).join("").length;
  const bomLength = doc.bom ? BOM.length : 0;
  const runtimeStart =
    bomLength +
    insertOffset +
    aliasLength +
    builderDelta +
    beforeHeader +
    (lastEol ? 0 : eol.length);
  // Removal ranges may touch (two moved lines at the end of a file without a final newline):
  // merge them, and never reach back past the insertion point, or applyEdits throws.
  const removals: [number, number][] = [];
  for (const ins of moved) {
    const lineStart = text.lastIndexOf("\n", ins.start - 1) + 1;
    const after = eolLength(text, ins.end);
    // The file's last line has no line ending: take the line endings (and blank lines) before it
    // instead, so the file still ends without one.
    const start = after === 0 ? text.slice(0, lineStart).replace(/\s+$/, "").length : lineStart;
    // A moved line between two blank lines takes one of them along, or two blanks would remain.
    let end = ins.end + after;
    if (after && /\n\r?\n$/.test(text.slice(0, lineStart))) end += eolLength(text, end);
    const prev = removals.at(-1);
    const from = Math.max(start, insertOffset);
    if (prev && from <= prev[1]) prev[1] = Math.max(prev[1], end);
    else removals.push([from, end]);
  }
  // Tail lines rewritten in place (never moved, so no removal touches them).
  for (const r of planned.plan.rewrites ?? []) {
    const ins = doc.instructions[r.index]!;
    edits.push({
      range: { start: textDoc.positionAt(ins.start), end: textDoc.positionAt(ins.end) },
      newText: r.text,
    });
  }
  for (const [start, end] of removals) {
    edits.push({
      range: { start: textDoc.positionAt(start), end: textDoc.positionAt(end) },
      newText: "",
    });
  }
  let out = TextDocument.applyEdits(textDoc, edits);
  // No final newline in, none out (a moved last line can leave a blank line's EOL at the end).
  if (!doc.finalNewline) out = out.replace(/(\r?\n)+$/, "");
  return { text: (doc.bom ? BOM : "") + out, builderStart: bomLength + from.start, runtimeStart };
}
