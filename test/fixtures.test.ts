// Golden files: every fixture's output and decisions, idempotence and byte preservation.
// UPDATE_GOLDEN=1 rewrites the expected files (review them before committing).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { convert } from "../src/index.js";
import { decisionSummary, fixtureCases, keptInOrder } from "./helpers.js";

const update = process.env["UPDATE_GOLDEN"] === "1";
const cases = fixtureCases();

describe("fixtures", () => {
  it("has enough cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  for (const c of cases) {
    describe(c.name, () => {
      const result = convert(c.input, { ...c.options, path: "Dockerfile" });

      it("matches the expected output and decisions", () => {
        const outFile = `${c.dir}Dockerfile.expected`;
        const decFile = `${c.dir}decisions.expected.json`;
        const decisions = JSON.stringify(decisionSummary(result), null, 2) + "\n";
        if (update) {
          writeFileSync(outFile, result.output);
          writeFileSync(decFile, decisions);
        }
        expect(existsSync(outFile), `${outFile} missing: run UPDATE_GOLDEN=1`).toBe(true);
        expect(result.output).toBe(readFileSync(outFile, "utf8"));
        expect(decisions).toBe(readFileSync(decFile, "utf8"));
      });

      it("is idempotent: a second run changes nothing", () => {
        const again = convert(result.output, { ...c.options, path: "Dockerfile" });
        expect(again.decision).not.toBe("converted");
        expect(again.output).toBe(result.output);
      });

      it("keeps every untouched byte", () => {
        if (result.decision !== "converted") {
          expect(result.output).toBe(c.input);
          expect(result.patch).toBe("");
          return;
        }
        const moved = new Set(
          (result.plan?.builderOnly ?? []).map((i) => result.facts!.lines[i]!.line),
        );
        // Every input line but the FROM line and moved instructions survives whole, in order.
        const fromLine = result.facts!.lines[0]!.line;
        const kept = c.input
          .replace(/^\uFEFF/, "")
          .split(/(?<=\n)/)
          .filter((_, i) => i + 1 !== fromLine && !moved.has(i + 1));
        expect(keptInOrder(kept, result.output.replace(/^\uFEFF/, ""))).toBeNull();
        expect(result.output.startsWith("\uFEFF")).toBe(c.input.startsWith("\uFEFF"));
        expect(result.output.endsWith("\n")).toBe(c.input.endsWith("\n"));
        const crlf = (s: string) => (s.match(/\r\n/g) ?? []).length > 0;
        expect(crlf(result.output)).toBe(crlf(c.input));
        expect(result.contract?.ok).toBe(true);
      });
    });
  }
});
