// Shared test helpers: fixture discovery and the byte-preservation check.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readBuildContext } from "../src/io/context.js";
import type { ConvertOptions, ConvertResult } from "../src/types.js";

export const repoRoot = fileURLToPath(new URL("../", import.meta.url));
export const fixturesDir = repoRoot + "fixtures/";
/** The shared corpus: $MSB_CORPUS when set, else ../shared/corpus beside the repository. */
export const corpusDir = process.env["MSB_CORPUS"]
  ? process.env["MSB_CORPUS"].replace(/\/?$/, "/")
  : fileURLToPath(new URL("../../shared/corpus/", import.meta.url));

export interface FixtureCase {
  name: string;
  dir: string;
  input: string;
  options: ConvertOptions;
}

export function fixtureCases(): FixtureCase[] {
  return readdirSync(fixturesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${fixturesDir}${d.name}/Dockerfile`))
    .map((d) => {
      const dir = `${fixturesDir}${d.name}/`;
      const caseFile = `${dir}case.json`;
      const options = existsSync(caseFile)
        ? ((JSON.parse(readFileSync(caseFile, "utf8")) as { options?: ConvertOptions }).options ??
          {})
        : {};
      // A fixture with a build context (context/) converts with it, as the CLI would with
      // --context; a case.json may give one as data instead (options.context).
      if (!options.context && existsSync(`${dir}context`))
        options.context = readBuildContext(`${dir}context`, `${dir}Dockerfile`);
      return { name: d.name, dir, input: readFileSync(`${dir}Dockerfile`, "utf8"), options };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The decisions a fixture pins: small enough to read in review, exact enough to fail. */
export function decisionSummary(r: ConvertResult) {
  return {
    decision: r.decision,
    reasons: r.reasons.map((x) => x.code),
    ecosystem: r.ecosystem,
    runtimeImage: r.plan?.image ?? null,
    artifacts: (r.plan?.artifacts ?? []).map((a) => `${a.from} -> ${a.to}`),
    runtimePackages: r.plan?.runtimePackages ?? [],
    droppedEnv: r.plan?.droppedEnv ?? [],
    roles: Object.fromEntries(
      (r.facts?.lines ?? [])
        .filter((l) => l.role !== "metadata")
        .map((l) => [`L${l.line}`, `${l.role}${l.evidence[0] ? ` (${l.evidence[0].rule})` : ""}`]),
    ),
    contract: r.contract ? (r.contract.ok ? "kept" : "broken") : null,
    // Only when there is a dependency step after a whole COPY: what moved, or why not.
    ...(r.plan?.cacheOrder
      ? {
          cacheOrder: {
            reordered: r.plan.cacheOrder.steps.map(
              (s) =>
                `L${r.facts?.lines[s.run]?.line} ${s.ecosystem}: ${s.manifests.join(", ")} first`,
            ),
            kept: r.plan.cacheOrder.kept.map((k) => `L${k.line}: ${k.why}`),
          },
        }
      : {}),
  };
}

/** Are these lines found in the output in the same order, each whole (a subsequence)? */
export function keptInOrder(lines: string[], output: string): string | null {
  const out = output.split(/(?<=\n)/);
  // Moving the last instruction of a file without a final newline leaves the line before it last,
  // so that line loses its line ending: the only byte a move may take from a kept line.
  // And a stage appended after the input's last line, which had no line ending, gives it one.
  const same = (a: string, b: string, last: boolean) =>
    a === b ||
    (last && !a.endsWith("\n") && b.replace(/\r?\n$/, "") === a) ||
    (!b.endsWith("\n") && a.replace(/\r?\n$/, "") === b);
  let at = 0;
  for (const line of lines) {
    while (at < out.length && !same(out[at]!, line, at === out.length - 1)) at++;
    if (at === out.length) return line;
    at++;
  }
  return null;
}
