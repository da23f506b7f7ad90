// The long fuzz run: `npm run fuzz [-- --cases 100000 --seed 1 --out scratch/fuzz-findings]`.
// Same properties as test/fuzz (fast-check arbitraries), but counts every finding by kind
// instead of stopping at the first, keeps the shortest example of each, and prints figures.
import { mkdirSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { corpusDir } from "../test/helpers.js";
import { corpusFiles, corpusPresent } from "../test/fuzz/corpus.js";
import {
  applyMutations,
  dockerfile,
  likelyConvertible,
  mutations,
} from "../test/fuzz/generators.js";
import { checkBytes, type Finding } from "../test/fuzz/properties.js";

const { values } = parseArgs({
  options: {
    cases: { type: "string", default: "100000" },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: "scratch/fuzz-findings" },
    stress: { type: "boolean", default: false },
  },
});
const total = Number(values.cases);
const seed = Number(values.seed);
const SLOW_MS = 1000;
const files = corpusFiles();
if (!corpusPresent) console.log(`corpus not found at ${corpusDir}: mutation cases skipped`);

type Source = "generated" | "convertible" | "mutated";
const sources: { name: Source; share: number; arb: fc.Arbitrary<Buffer> }[] = [
  { name: "generated", share: 0.4, arb: dockerfile.map((t) => Buffer.from(t)) },
  { name: "convertible", share: 0.3, arb: likelyConvertible.map((t) => Buffer.from(t)) },
  ...(files.length
    ? [
        {
          name: "mutated" as const,
          share: 0.3,
          arb: fc
            .tuple(fc.nat(files.length - 1), mutations)
            .map(([i, ms]) => applyMutations(files[i]!.bytes, ms)),
        },
      ]
    : []),
];
const shares = sources.reduce((s, x) => s + x.share, 0);

const decisions: Record<string, number> = {};
const findings = new Map<
  string,
  { count: number; example: Buffer; finding: Finding; source: Source }
>();
let cases = 0;
let slowest = 0;
const started = performance.now();
const BATCH = 500;

function record(source: Source, bytes: Buffer, f: Finding) {
  const key = `${f.kind}`;
  const seen = findings.get(key);
  if (!seen) findings.set(key, { count: 1, example: bytes, finding: f, source });
  else {
    seen.count++;
    if (bytes.length < seen.example.length)
      Object.assign(seen, { example: bytes, finding: f, source });
  }
}

for (const src of sources) {
  const n = Math.round((total * src.share) / shares);
  for (let done = 0, batch = 0; done < n; batch++) {
    const size = Math.min(BATCH, n - done);
    for (const bytes of fc.sample(src.arb, { numRuns: size, seed: seed * 100_003 + batch })) {
      const t0 = performance.now();
      const seen: { decision?: string } = {};
      const f = checkBytes(bytes, seen);
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      if (ms > SLOW_MS) record(src.name, bytes, { kind: "slow", detail: `${ms.toFixed(0)} ms` });
      if (f) record(src.name, bytes, f);
      const d = seen.decision ?? "?";
      decisions[`${src.name}:${d}`] = (decisions[`${src.name}:${d}`] ?? 0) + 1;
      cases++;
    }
    done += size;
    if (cases % 10_000 < BATCH) {
      const s = ((performance.now() - started) / 1000).toFixed(0);
      process.stderr.write(
        `  ${cases} cases, ${s} s, ${[...findings.values()].reduce((a, f) => a + f.count, 0)} findings\n`,
      );
    }
  }
}

if (values.stress) {
  // Regression: ~240,000 instructions once overflowed the stack (argument spread).
  const t0 = performance.now();
  const text =
    "FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n" +
    "LABEL a=b\n".repeat(240_000) +
    'CMD ["/out/app"]\n';
  const f = checkBytes(Buffer.from(text));
  if (f) record("generated", Buffer.from("(240,000 LABEL lines)"), f);
  console.log(
    `stress: 240,000 instructions in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${f ? f.kind : "ok"}`,
  );
  cases++;
}

const secs = (performance.now() - started) / 1000;
console.log(
  `\nfuzz: ${cases} cases in ${secs.toFixed(1)} s (seed ${seed}), slowest case ${slowest.toFixed(0)} ms`,
);
console.log("decisions:", JSON.stringify(decisions));
if (findings.size === 0) console.log("findings: none");
else {
  mkdirSync(values.out, { recursive: true });
  console.log("findings:");
  for (const [kind, f] of findings) {
    const file = `${values.out}/${kind}.Dockerfile`;
    writeFileSync(file, f.example);
    console.log(
      `  ${kind}: ${f.count} (${f.source}; shortest: ${file}) ${f.finding.detail.slice(0, 200)}`,
    );
  }
}
process.exitCode = findings.size ? 1 : 0;
