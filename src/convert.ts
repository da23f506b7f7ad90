// The library entry point: text in, new text + decisions + diff out. Pure: no I/O.
import { analyse } from "./analyse.js";
import { checkContract } from "./contract.js";
import { makePatch } from "./diff.js";
import { explainContract, explainLines, explainLeave, explainPlan } from "./explain.js";
import { parseDocument } from "./parse/document.js";
import { planConversion } from "./plan.js";
import { render } from "./render.js";
import type { TransformContext } from "./transform.js";
import type { ConvertOptions, ConvertResult, DecisionKind, Reason } from "./types.js";

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
  const facts = analyse(doc);
  result.facts = facts;
  const ctx: TransformContext = { doc, facts, config: options.config ?? {} };
  const planned = planConversion(ctx, options);
  if ("leave" in planned) {
    result.explanation.push(...explainLines(doc, facts, null));
    return left(planned.leave);
  }
  result.explanation.push(...explainLines(doc, facts, planned));
  result.ecosystem = planned.plan.ecosystem;
  result.detections = planned.detections;
  result.plan = planned.plan;
  result.explanation.push(...explainPlan(planned, facts));
  const output = render(ctx, planned);
  const contract = checkContract(doc, facts, output, planned.plan, planned.builderName);
  result.contract = contract;
  result.explanation.push(...explainContract(contract));
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
  result.patch = makePatch(path, text, output);
  result.stages = [planned.builderName, "runtime"];
  return result;
}
