// The properties every conversion must have. Each check returns null or a finding
// ({ kind, detail }) so the long fuzz run can count findings by kind instead of stopping.
import { convert } from "../../src/convert.js";
import { decode, InputError } from "../../src/io/read.js";
import { parseDocument } from "../../src/parse/document.js";
import type { ConvertResult } from "../../src/types.js";

export interface Finding {
  kind: string;
  detail: string;
}

const KNOWN = new Set(
  "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL STOPSIGNAL USER VOLUME WORKDIR".split(
    " ",
  ),
);

/** Split into lines that keep their line ending (so CRLF and LF are told apart). */
const lines = (s: string) => s.split(/(?<=\n)/);

/**
 * Text outside the edited ranges is unchanged. The renderer makes three kinds of edit: it
 * inserts " AS name" on the first FROM line, inserts the runtime stage after the last build
 * step, and moves builder-only instructions from after that step to before the insertion.
 * So: every input line outside the first FROM line and the moved instructions must appear
 * whole and in order in the output; each moved instruction's raw text appears whole; and the
 * FROM line is the original with exactly " AS name" added.
 */
export function preserved(input: string, r: ConvertResult): string | null {
  const inText = input.replace(/^\uFEFF/, "");
  const outText = r.output.replace(/^\uFEFF/, "");
  const doc = parseDocument(input);
  // The first FROM (ARG may come before it).
  const from = doc.instructions.find((i) => i.keyword === "FROM")!;
  // Line numbers as Docker counts them (only \n ends a line; the editor also counts a lone \r).
  const lineAt = (offset: number) => (inText.slice(0, offset).match(/\n/g) ?? []).length + 1;
  const movedLines = new Set<number>();
  // A RUN the cache order splits is checked by its parts below.
  const split = new Set(
    (r.plan?.cacheOrder?.steps ?? []).filter((st) => st.split).map((st) => st.run),
  );
  // A builder RUN cut short (its trailing removals dropped) keeps its text up to the cut.
  for (const rw of r.plan?.builderRewrites ?? []) {
    const ins = doc.instructions[rw.index]!;
    for (let l = lineAt(ins.start); l <= lineAt(ins.end); l++) movedLines.add(l);
    if (!ins.raw.startsWith(rw.text) || !outText.includes(rw.text))
      return `cut RUN lost its text: ${JSON.stringify(rw.text)}`;
  }
  for (const i of r.plan?.builderOnly ?? []) {
    const ins = doc.instructions[i]!;
    for (let l = lineAt(ins.start); l <= lineAt(ins.end); l++) movedLines.add(l);
    if (!split.has(i) && !outText.includes(ins.raw))
      return `moved instruction lost: ${JSON.stringify(ins.raw)}`;
  }
  // Cache order: the whole COPY moves after the dependency step (its raw text kept whole), a
  // fused RUN is split (each part's text is the original's), added lines are new.
  for (const st of r.plan?.cacheOrder?.steps ?? []) {
    for (const i of [st.copy, st.run]) {
      const ins = doc.instructions[i]!;
      if (i === st.run && !st.split) continue;
      for (let l = lineAt(ins.start); l <= lineAt(ins.end); l++) movedLines.add(l);
    }
    const copy = doc.instructions[st.copy]!;
    if (!outText.includes(copy.raw)) return `moved COPY lost: ${JSON.stringify(copy.raw)}`;
    for (const part of [st.split?.dep, st.split?.rest])
      if (part && !outText.includes(part)) return `split RUN part lost: ${JSON.stringify(part)}`;
  }
  // A tail line the plan rewrites in place (a declared change): its new text must be there.
  for (const rw of r.plan?.rewrites ?? []) {
    const ins = doc.instructions[rw.index]!;
    for (let l = lineAt(ins.start); l <= lineAt(ins.end); l++) movedLines.add(l);
    if (!outText.includes(rw.text)) return `rewritten instruction lost: ${JSON.stringify(rw.text)}`;
    if (!r.plan?.declaredChanges.some((d) => d.field === ins.keyword))
      return `instruction rewritten without a declared change: ${JSON.stringify(ins.raw)}`;
  }
  const inLines = lines(inText);
  const mixed = /\r\n/.test(inText) && /(^|[^\r])\n/.test(inText);
  const out = lines(outText);
  // Without a final newline, blank lines between the last kept line and a moved last
  // instruction go with it (the file must still end without a newline).
  const blank = (l: string) => /^\r?\n$/.test(l);
  let lastKept = inLines.length - 1;
  while (lastKept >= 0 && (movedLines.has(lastKept + 1) || blank(inLines[lastKept]!))) lastKept--;
  const endsMoved = !inText.endsWith("\n") && movedLines.has(inLines.length);
  let at = 0;
  for (let n = 0; n < inLines.length; n++) {
    const line = inLines[n]!;
    if (movedLines.has(n + 1) || (endsMoved && n > lastKept)) continue;
    const isLast = n === inLines.length - 1 && !line.endsWith("\n");
    const matches = (o: string) => {
      if (n + 1 === lineAt(from.start)) {
        // The FROM line: the original with " AS <name>" inserted once and, when the plan pins
        // the builder's release, its image word replaced by the pinned one; nothing else changed.
        const name = r.stages[0]!;
        const re = new RegExp(` (AS|as) ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
        const pin = r.plan?.builderImage;
        const want = pin ? line.replace(/^(\s*\S+\s+(?:--\S+\s+)*)\S+/, `$1${pin.to}`) : line;
        return (
          o === want ||
          o.replace(re, "") === want ||
          (isLast && o.replace(re, "").trimEnd() === want)
        );
      }
      // The input's last line has no line ending; the output may continue after it.
      if (o === line || (isLast && (o === line + "\n" || o === line + "\r\n"))) return true;
      // Mixed endings: the stage is inserted before the build line's own ending, which then
      // follows the inserted block, so that line ends with the dominant ending instead.
      return mixed && o.replace(/\r?\n$/, "") === line.replace(/\r?\n$/, "");
    };
    // A moved instruction that ended the file takes the line ending before it along, so the
    // file still ends as it did (no final newline): the output's last line may lack its EOL.
    const lastOut = (i: number) => i === out.length - 1 && !out[i]!.endsWith("\n");
    const ok = (i: number) =>
      matches(out[i]!) || (lastOut(i) && out[i] === line.replace(/\r?\n$/, ""));
    while (at < out.length && !ok(at)) at++;
    if (at === out.length)
      return `input line ${n + 1} missing or out of order: ${JSON.stringify(line)}`;
    at++;
  }
  return null;
}

/** Every property for one text. */
/** Every property for one text; `seen.decision` tells the caller what convert() decided. */
export function checkText(text: string, seen: { decision?: string } = {}): Finding | null {
  let r: ConvertResult;
  try {
    r = convert(text, { path: "Dockerfile" });
    seen.decision = r.decision;
  } catch (e) {
    seen.decision = "exception";
    return {
      kind: "exception",
      detail: String((e as Error)?.stack ?? e)
        .split("\n")
        .slice(0, 3)
        .join(" | "),
    };
  }
  if (r.decision !== "converted") {
    if (r.output !== text) return { kind: "unconverted-changed", detail: r.decision };
    if (r.patch !== "") return { kind: "unconverted-patch", detail: r.decision };
    if (r.reasons.length === 0) return { kind: "no-reason", detail: r.decision };
    return null;
  }
  if (!r.contract?.ok) return { kind: "contract", detail: JSON.stringify(r.contract) };
  if (r.output === text || r.patch === "") return { kind: "converted-no-change", detail: "" };
  // The output parses: no exception, at least two stages, only instructions Docker knows.
  let doc;
  try {
    doc = parseDocument(r.output);
  } catch (e) {
    return { kind: "output-parse", detail: String(e) };
  }
  if (doc.stageCount < 2) return { kind: "output-stages", detail: `${doc.stageCount} stages` };
  const bad = doc.instructions.find((i) => !KNOWN.has(i.keyword));
  if (bad) return { kind: "output-unknown-instruction", detail: bad.raw };
  // Byte-level style of the input survives: BOM, final newline, line endings.
  if (r.output.startsWith("\uFEFF") !== text.startsWith("\uFEFF"))
    return { kind: "bom", detail: "" };
  if (r.output.endsWith("\n") !== text.endsWith("\n")) return { kind: "final-newline", detail: "" };
  const crlfIn = (text.match(/\r\n/g) ?? []).length;
  const lfIn = (text.match(/\n/g) ?? []).length - crlfIn;
  const crlfOut = (r.output.match(/\r\n/g) ?? []).length;
  const lfOut = (r.output.match(/\n/g) ?? []).length - crlfOut;
  if ((crlfIn > 0 && lfIn === 0 && lfOut > 0) || (lfIn > 0 && crlfIn === 0 && crlfOut > 0)) {
    return {
      kind: "line-endings",
      detail: `in crlf=${crlfIn} lf=${lfIn}, out crlf=${crlfOut} lf=${lfOut}`,
    };
  }
  const lost = preserved(text, r);
  if (lost) return { kind: "not-preserved", detail: lost };
  // A second run is a no-op.
  let again: ConvertResult;
  try {
    again = convert(r.output, { path: "Dockerfile" });
  } catch (e) {
    return { kind: "exception-second-run", detail: String(e) };
  }
  if (again.decision === "converted" || again.output !== r.output) {
    return { kind: "not-idempotent", detail: again.decision };
  }
  return null;
}

/** Bytes as the CLI sees them: undecodable input must be an InputError, never a crash. */
export function checkBytes(bytes: Buffer, seen: { decision?: string } = {}): Finding | null {
  let text: string;
  try {
    text = decode("Dockerfile", bytes);
  } catch (e) {
    seen.decision = "undecodable";
    if (e instanceof InputError && !e.message.includes("\n")) return null;
    return { kind: "decode", detail: String(e) };
  }
  return checkText(text, seen);
}
