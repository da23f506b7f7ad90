// The library entry point: text in, new text + decisions + diff out. Pure: no I/O.
import { analyse } from "./analyse.js";
import { BuildContext } from "./build-context.js";
import { checkContract } from "./contract.js";
import { makePatch } from "./diff.js";
import { explainContract, explainLines, explainLeave, explainPlan } from "./explain.js";
import { observedBaseInfo } from "./observed.js";
import { parseDocument } from "./parse/document.js";
import { INSTRUCTIONS } from "./parse/scan.js";
import { planConversion } from "./plan.js";
import { render, type Rendered } from "./render.js";
import { expandRunScripts } from "./scripts.js";
import type { TransformContext } from "./transform.js";
import type { ConvertOptions, ConvertResult, DecisionKind, Document, Reason } from "./types.js";

/** Leave-alone reasons that mean "nothing to do" rather than "not safe to do". */
const UNCHANGED: ReadonlySet<string> = new Set([
  "already-multi-stage",
  "nothing-built",
  "onbuild-parent",
  "no-ecosystem",
]);

export function convert(text: string, options: ConvertOptions = {}): ConvertResult {
  const path = options.path ?? "Dockerfile";
  const doc = parseDocument(text);
  const result: ConvertResult = {
    decision: "unchanged",
    reasons: [],
    output: text,
    patch: "",
    ecosystem: null,
    detections: [],
    facts: null,
    plan: null,
    contract: null,
    explanation: [],
    stages: [],
  };
  const left = (reason: Reason, kind?: DecisionKind): ConvertResult => {
    result.decision = kind ?? (UNCHANGED.has(reason.code) ? "unchanged" : "skipped");
    result.reasons.push(reason);
    result.explanation.push(explainLeave(reason));
    return result;
  };
  // Docker breaks lines at LF only: a lone CR (classic Mac ending) is part of the line for Docker
  // but a line break for editors and for dockerfile-ast, so the two would read different files.
  const loneCr = /\r(?!\n)/.exec(text);
  if (loneCr) {
    const line = lineAt(text, loneCr.index);
    return left(
      {
        code: "unsupported",
        message: `line ${line} ends in a lone CR (classic Mac line ending); Docker only breaks lines at LF, so it reads this file differently from what an editor shows`,
        line,
      },
      "skipped",
    );
  }
  // Docker rejects a file with an unknown instruction: there is no image to keep the same.
  const unknown = doc.instructions.find((i) => !INSTRUCTIONS.has(i.keyword));
  if (unknown) {
    return left(
      {
        code: "parse-error",
        message: `unknown instruction ${unknown.keyword} on line ${unknown.line}`,
        line: unknown.line,
      },
      "skipped",
    );
  }
  // `CMD ["/app"` is not JSON, so Docker runs it through a shell: almost surely a typo.
  const badExec = doc.instructions.find(
    (i) => (i.keyword === "CMD" || i.keyword === "ENTRYPOINT") && !i.exec && i.args.startsWith("["),
  );
  if (badExec) {
    return left(
      {
        code: "parse-error",
        message: `${badExec.keyword} on line ${badExec.line} is not a valid JSON array (Docker would run it as a shell command)`,
        line: badExec.line,
      },
      "skipped",
    );
  }
  // `FROM node:lt\` + `s-alpine`: Docker joins the two lines without a space (node:lts-alpine);
  // the analysis reads words with the line break as a space, so it would see another file.
  const glued = doc.instructions.find((i) => gluedContinuation(i.raw, doc.escape));
  if (glued) {
    return left(
      {
        code: "unsupported",
        message: `line ${glued.line} continues a word onto the next line (no space around the line continuation); Docker joins the two halves into one word`,
        line: glued.line,
      },
      "skipped",
    );
  }
  if (doc.stageCount === 0) {
    const hasContent = doc.instructions.length > 0;
    return left(
      {
        code: hasContent ? "parse-error" : "nothing-built",
        message: hasContent ? "no FROM instruction" : "the file has no instructions",
      },
      hasContent ? "skipped" : "unchanged",
    );
  }
  const input = options.context;
  const buildContext = input && !("unknown" in input) ? new BuildContext(input) : input;
  // Scripts RUN steps run (`RUN ./build.sh`) count with their commands (src/scripts.ts).
  const scripts = expandRunScripts(doc, buildContext);
  const facts = analyse(doc);
  if (options.observed) facts.baseInfo = observedBaseInfo(facts.baseInfo, options.observed);
  result.facts = facts;
  const ctx: TransformContext = {
    doc,
    facts,
    config: options.config ?? {},
    ...(buildContext ? { buildContext } : {}),
    ...(scripts.unread.length ? { unreadScripts: scripts.unread } : {}),
  };
  const planned = planConversion(ctx, options);
  if ("leave" in planned) {
    for (const e of explainLines(doc, facts, null)) result.explanation.push(e);
    return left(planned.leave);
  }
  // Loops, not push(...xs): a spread of 100,000+ items overflows the stack.
  for (const e of explainLines(doc, facts, planned)) result.explanation.push(e);
  result.ecosystem = planned.plan.ecosystem;
  result.detections = planned.detections;
  result.plan = planned.plan;
  for (const e of explainPlan(planned, facts)) result.explanation.push(e);
  const rendered = render(ctx, planned);
  const output = rendered.text;
  // The rewrite must parse back into the runtime stage the plan describes. A line continuation at
  // the end of the last build step would make Docker join the new FROM into that RUN.
  const last = doc.instructions[planned.lastBuild]!;
  const dangling = last.raw.trimEnd().endsWith(doc.escape);
  const converted = dangling ? null : parseRuntimeStage(doc, rendered);
  if (!converted) {
    return left(
      {
        code: "parse-error",
        message: dangling
          ? `line ${last.line} continues past the end of the file: a new stage cannot follow it`
          : "the rewrite does not parse back into builder and runtime stages",
        line: last.line,
      },
      "skipped",
    );
  }
  const contract = checkContract(doc, facts, converted, planned.plan, planned.builderName);
  result.contract = contract;
  for (const e of explainContract(contract)) result.explanation.push(e);
  if (!contract.ok) {
    const bad = contract.items.filter((i) => i.status === "differs" || i.status === "missing");
    return left(
      {
        code: "contract",
        message: `the rewrite would change the image: ${bad.map((b) => `${b.field} (${b.detail})`).join("; ")}`,
      },
      "skipped",
    );
  }
  result.decision = "converted";
  result.output = output;
  if (options.patch !== false) result.patch = makePatch(path, text, output);
  result.stages = [planned.builderName, "runtime"];
  return result;
}

/**
 * The converted file parsed afresh, for the contract check, which reads only the final stage (and
 * the global ARGs before the first FROM). The builder stage is the original's, already parsed: it
 * is blanked to spaces (line breaks kept, so offsets and line numbers hold) and not parsed again,
 * which halves the work. Unless a heredoc in the builder could run on into the runtime stage: then
 * the whole file is parsed. Null when the text does not read back as the stages planned.
 */
function parseRuntimeStage(original: Document, r: Rendered): Document | null {
  const { text, builderStart, runtimeStart } = r;
  const builder = text.slice(builderStart, runtimeStart);
  // A heredoc, or a line continuation at the end of the builder, could reach into the runtime
  // stage: then only the whole file tells.
  const whole =
    builder.includes("<<") || !/\n$/.test(builder) || builder.trimEnd().endsWith(original.escape);
  const input = whole
    ? text
    : text.slice(0, builderStart) + builder.replace(/[^\r\n]/g, " ") + text.slice(runtimeStart);
  const doc = parseDocument(input);
  const froms = doc.instructions.filter((i) => i.keyword === "FROM");
  const runtimeFrom = froms.at(-1);
  const bom = original.bom ? 1 : 0;
  const stages = whole ? original.stageCount + 1 : 1;
  if (froms.length !== stages || runtimeFrom?.start !== runtimeStart - bom) return null;
  return whole ? doc : { ...doc, text };
}

/** A line continuation with a word character right before the escape and right after the break. */
function gluedContinuation(raw: string, escape: string): boolean {
  if (!raw.includes("\n")) return false;
  for (let i = raw.indexOf(escape); i !== -1; i = raw.indexOf(escape, i + 1)) {
    const after = raw.startsWith("\r\n", i + 1) ? i + 3 : raw.startsWith("\n", i + 1) ? i + 2 : -1;
    if (after === -1 || i === 0) continue;
    const before = raw[i - 1]!;
    if (before === escape || /\s/.test(before)) continue;
    if (after < raw.length && !/\s/.test(raw[after]!)) return true;
  }
  return false;
}

/** 1-based line of an offset, counting LF line breaks as Docker does. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}
