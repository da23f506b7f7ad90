// Properties over the real-world corpus in ../shared/corpus (files nobody wrote for us).
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { convert } from "../src/index.js";
import { parseDocument } from "../src/parse/document.js";
import type { BuildContextInput } from "../src/types.js";
import { preserved } from "./fuzz/properties.js";
import { corpusDir, keptInOrder } from "./helpers.js";

interface Entry {
  set: string;
  file: string;
  expected: "convert" | "leave";
}

function entries(): Entry[] {
  const out: Entry[] = [];
  for (const set of ["open", "extra"]) {
    const index = `${corpusDir}${set}/INDEX.tsv`;
    if (!existsSync(index)) continue;
    const rows = readFileSync(index, "utf8").trim().split("\n").slice(1);
    for (const row of rows) {
      const cols = row.split("\t");
      out.push({ set, file: cols[0]!, expected: cols[6] === "convert" ? "convert" : "leave" });
    }
  }
  // The authors' own multi-stage rewrites must be left alone too.
  const ref = `${corpusDir}reference/INDEX.tsv`;
  if (existsSync(ref)) {
    for (const row of readFileSync(ref, "utf8").trim().split("\n").slice(1)) {
      out.push({ set: "reference", file: row.split("\t")[0]!, expected: "leave" });
    }
  }
  return out;
}

const all = entries();

describe.skipIf(all.length === 0)(`corpus properties (${corpusDir})`, () => {
  it("holds every file of the index", () => {
    expect(all.length).toBeGreaterThan(100);
  });
  for (const e of all) {
    it(`${e.set}/${e.file}`, () => {
      const input = readFileSync(`${corpusDir}${e.set}/${e.file}`, "utf8");
      const r = convert(input, { path: e.file });
      if (e.expected === "leave") expect(r.decision, r.reasons[0]?.message).not.toBe("converted");
      if (r.decision !== "converted") {
        expect(r.output).toBe(input);
        return;
      }
      const out = parseDocument(r.output);
      expect(out.stageCount).toBeGreaterThanOrEqual(2);
      const builder = r.stages[0]!;
      expect(r.output).toMatch(new RegExp(`COPY --from=${builder}\\b`, "i"));
      expect(r.contract?.ok).toBe(true);
      const again = convert(r.output, { path: e.file });
      expect(again.decision).not.toBe("converted");
      expect(again.output).toBe(r.output);
      const moved = new Set(r.plan!.builderOnly.map((i) => r.facts!.lines[i]!.line));
      const fromLine = r.facts!.lines[0]!.line;
      const lines = input.replace(/^\uFEFF/, "").split(/(?<=\n)/);
      // Multi-line moved instructions: drop every line they span.
      const spans = new Set<number>();
      for (const i of r.plan!.builderOnly) {
        const l = r.facts!.lines[i]!;
        const ins = parseDocument(input).instructions[i]!;
        for (let n = l.line; n <= ins.endLine; n++) spans.add(n);
      }
      // Moving the last line of a file without a final newline also takes the blank lines before it.
      const lastMoved = !input.endsWith("\n") && spans.has(lines.length);
      let tailBlank = lines.length;
      while (lastMoved && tailBlank > 1 && spans.has(tailBlank)) tailBlank--;
      while (lastMoved && tailBlank > 1 && lines[tailBlank - 1]!.trim() === "")
        spans.add(tailBlank--);
      const kept = lines.filter(
        (_, i) => i + 1 !== fromLine && !moved.has(i + 1) && !spans.has(i + 1),
      );
      expect(keptInOrder(kept, r.output.replace(/^\uFEFF/, ""))).toBeNull();
    });
  }
});

it.runIf(all.length === 0)("corpus properties skipped: no corpus at ../shared/corpus", () => {
  console.warn(`corpus not found at ${corpusDir}: corpus properties were not checked`);
});

// The same files converted with their build contexts (test/corpus-contexts/, made from clones of
// the corpus repositories at the pinned commits by scripts/corpus-contexts.ts): a context changes
// only the builder's order, never the decision; the rewrite keeps every byte it does not move.
const contextsDir = new URL("./corpus-contexts/", import.meta.url).pathname;
const withContext = all.filter((e) => existsSync(`${contextsDir}${e.set}/${e.file}.context.json`));

describe.skipIf(withContext.length === 0)("corpus files with their build contexts", () => {
  let reordered = 0;
  for (const e of withContext) {
    it(`${e.set}/${e.file}`, () => {
      const input = readFileSync(`${corpusDir}${e.set}/${e.file}`, "utf8");
      const context = JSON.parse(
        readFileSync(`${contextsDir}${e.set}/${e.file}.context.json`, "utf8"),
      ) as BuildContextInput;
      const plain = convert(input, { path: e.file });
      const r = convert(input, { path: e.file, context });
      expect(r.decision).toBe(plain.decision);
      if (r.decision !== "converted") return;
      expect(r.contract?.ok).toBe(true);
      expect(preserved(input, r)).toBeNull();
      const again = convert(r.output, { path: e.file, context });
      expect(again.output).toBe(r.output);
      if (r.plan?.cacheOrder?.steps.length) reordered++;
    });
  }
  it("reorders the dependency steps it can (3 of the 5 that follow a copy of all the sources)", () => {
    expect(reordered).toBeGreaterThanOrEqual(3);
  });
});
