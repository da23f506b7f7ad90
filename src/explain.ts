// Explanations: which line was judged what, and why, in words people and PR bodies can use.
import type { Planned } from "./plan.js";
import type { ContractCheck, Document, Explanation, Facts, Reason } from "./types.js";

/** Where a line ends up in the rewrite. */
function placement(index: number, planned: Planned): string {
  const { plan, lastBuild } = planned;
  if (index === 0) return `builder stage "${planned.builderName}"`;
  for (const st of plan.cacheOrder?.steps ?? []) {
    if (st.copy === index && st.moves)
      return `builder only, after the dependency step (its manifests are copied first)`;
    if (st.copy === index) return `builder only, after a dependency-only step added before it`;
    if (st.run === index && st.split?.rest)
      return `builder only, split: the dependency step, the sources, then the rest`;
  }
  const repository = plan.repositoryFiles?.find((r) => r.step === index);
  if (repository)
    return `builder only; the runtime stage gets the files it writes (${repository.files.join(", ")})`;
  if (index > lastBuild)
    return plan.builderOnly.includes(index) ? "moved into the builder" : "runtime stage";
  return plan.carried.includes(index)
    ? "builder, and repeated in the runtime stage"
    : "builder only";
}

/** One entry per instruction: its role, the evidence, and (when converting) where it goes. */
export function explainLines(doc: Document, facts: Facts, planned: Planned | null): Explanation[] {
  return facts.lines.map((l) => {
    const ev = l.evidence[0];
    const ins = doc.instructions[l.index]!;
    const args = ins.args.length > 80 ? ins.args.slice(0, 77) + "..." : ins.args;
    const what = ev ? `${ev.why}: ${ev.match}` : `${ins.keyword} ${args}`;
    const where = planned ? ` → ${placement(l.index, planned)}` : "";
    return { line: l.line, role: l.role, text: what + where, ...(ev ? { rule: ev.rule } : {}) };
  });
}

export function explainPlan(planned: Planned, facts: Facts): Explanation[] {
  const { plan, detection, builderName } = planned;
  const out: Explanation[] = [
    {
      role: "plan",
      text: `ecosystem ${detection.ecosystem} (score ${detection.score}: ${detection.evidence.map((e) => e.rule).join(", ")})`,
    },
    {
      role: "plan",
      text: `builder stage "${builderName}" keeps ${facts.base?.ref} and lines 1-${facts.lines[planned.lastBuild]?.line} (up to the last build step)`,
    },
    { role: "plan", text: `runtime image ${plan.image}: ${plan.imageWhy}` },
  ];
  if (plan.builderImage)
    out.splice(2, 0, {
      role: "plan",
      line: facts.lines.find((l) => l.role === "base")?.line,
      rule: "pin-release",
      text: `builder image ${plan.builderImage.from} → ${plan.builderImage.to}: ${plan.builderImage.why}`,
    });
  for (const a of plan.artifacts)
    out.push({ role: "plan", rule: a.rule, text: `copy ${a.from} → ${a.to} (${a.why})` });
  if (plan.runtimePackages.length)
    out.push({ role: "plan", text: `runtime packages: ${plan.runtimePackages.join(", ")}` });
  if (plan.droppedEnv.length)
    out.push({
      role: "plan",
      text: `builder-only ENV left out of the runtime stage: ${plan.droppedEnv.join(", ")}`,
    });
  for (const i of plan.builderOnly)
    out.push({
      role: "plan",
      line: facts.lines[i]?.line,
      text: `line ${facts.lines[i]?.line} stays in the builder only`,
    });
  for (const ins of plan.builderInserts ?? [])
    for (const l of ins.lines)
      out.push({
        role: "plan",
        line: facts.lines[ins.before]?.line,
        rule: "builder-insert",
        text: `added to the builder before line ${facts.lines[ins.before]?.line}: ${l} (${ins.why})`,
      });
  const order = plan.cacheOrder;
  for (const st of order?.steps ?? []) {
    const copyLine = facts.lines[st.copy]?.line;
    const runLine = facts.lines[st.run]?.line;
    const at = { role: "plan" as const, rule: "cache-order" };
    out.push({ ...at, line: runLine, text: `cache order (${st.ecosystem}): ${st.why}` });
    for (const a of st.added)
      out.push({
        ...at,
        line: copyLine,
        text: `added to the builder ${st.moves ? `where line ${copyLine} was` : `before line ${copyLine}`}: ${a} (the manifests the step reads, only those in the build context)`,
      });
    if (st.addedRun)
      out.push({
        ...at,
        line: copyLine,
        text: `added to the builder before line ${copyLine}: ${st.addedRun} (${st.split ? "builds the dependencies against placeholder sources, then removes them" : "fetches the dependencies the build needs before the sources arrive"})`,
      });
    if (st.moves)
      out.push({
        ...at,
        line: copyLine,
        text: `line ${copyLine} moved after line ${runLine}: the sources come after the dependency step`,
      });
    if (st.split?.rest)
      out.push({
        ...at,
        line: runLine,
        text: `line ${runLine} split after the dependency step: \`${oneLine(st.split.dep)}\`, then the sources, then \`${oneLine(st.split.rest)}\` (a plain && chain: the rest runs in its own RUN from the same WORKDIR)`,
      });
    else if (st.split)
      out.push({
        ...at,
        line: runLine,
        text: `line ${runLine} becomes \`${oneLine(st.split.dep)}\`${st.moves ? "" : " (so the build compiles the real sources, not the placeholders the added step built)"}`,
      });
    if (st.after)
      out.push({
        ...at,
        line: runLine,
        text: `added after the moved line ${copyLine}: ${st.after} (the autoloader, written once the classes are there; the install skips it)`,
      });
  }
  for (const m of order?.mounts ?? [])
    out.push({
      role: "plan",
      rule: "cache-mount",
      line: facts.lines[m.run]?.line,
      text: `cache mount on line ${facts.lines[m.run]?.line}: ${m.flags} (policy cacheMounts; needs BuildKit): downloads survive a change of the manifests`,
    });
  for (const k of order?.kept ?? [])
    out.push({ role: "plan", rule: "cache-order-kept", line: k.line, text: k.why });
  for (const rw of plan.builderRewrites ?? [])
    out.push({
      role: "plan",
      rule: "builder-rewrite",
      line: facts.lines[rw.index]?.line,
      text: `line ${facts.lines[rw.index]?.line} cut short in the builder: ${rw.why}`,
    });
  for (const s of plan.builderSteps ?? [])
    out.push({ role: "plan", text: `added to the builder: ${s.line} (${s.why})` });
  for (const d of plan.declaredChanges)
    out.push({ role: "plan", text: `CHANGED ${d.field}: ${d.from} → ${d.to} (${d.why})` });
  for (const n of plan.notes) out.push({ role: "plan", text: n });
  return out;
}

function oneLine(s: string): string {
  const t = s
    .replace(/\\?\r?\n\s*/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return t.length > 100 ? t.slice(0, 97) + "..." : t;
}

export function explainContract(check: ContractCheck): Explanation[] {
  const bad = check.items.filter((i) => i.status === "differs" || i.status === "missing");
  const out: Explanation[] = [
    {
      role: "contract",
      text: check.ok
        ? `contract kept (${check.items.length} checks)`
        : `contract broken: ${bad.map((b) => `${b.field} ${b.detail}`).join("; ")}`,
    },
  ];
  for (const i of check.items)
    if (i.status === "dropped" || i.status === "changed")
      out.push({ role: "contract", text: `${i.field}: ${i.status} (${i.detail})` });
  return out;
}

export function explainLeave(reason: Reason): Explanation {
  return {
    role: "leave",
    ...(reason.line ? { line: reason.line } : {}),
    text: `left alone (${reason.code}): ${reason.message}`,
    rule: reason.code,
  };
}

/** Plain text, one decision a line, as --dry-run prints it on stderr. */
export function formatExplanation(path: string, items: Explanation[]): string {
  return items
    .map(
      (e) =>
        `${path}${e.line ? `:${e.line}` : ""}  ${(e.role ?? "").padEnd(13)} ${e.text}${e.rule ? `  [${e.rule}]` : ""}`,
    )
    .join("\n");
}
