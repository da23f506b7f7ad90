// Short fixed-seed property run (a few seconds): generated Dockerfiles and byte mutations of the
// real corpus. `npm run fuzz` runs the same properties on 100,000+ cases.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { convert } from "../../src/convert.js";
import { corpusDir } from "../helpers.js";
import { corpusFiles, corpusPresent } from "./corpus.js";
import { applyMutations, dockerfile, likelyConvertible, mutations } from "./generators.js";
import { checkBytes, checkText, preserved } from "./properties.js";

const SEED = 20261127;
// A block body: fast-check treats a returned false as a failure.
const noFinding = (f: unknown): void => {
  expect(f).toBeNull();
};

describe("properties on generated Dockerfiles", () => {
  it("any generated file: no exception, and every property holds", () => {
    fc.assert(
      fc.property(dockerfile, (t) => noFinding(checkText(t))),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("likely-convertible files: every property holds, and most really convert", () => {
    let converted = 0;
    fc.assert(
      fc.property(likelyConvertible, (t) => {
        const seen: { decision?: string } = {};
        noFinding(checkText(t, seen));
        if (seen.decision === "converted") converted++;
      }),
      { seed: SEED, numRuns: 120 },
    );
    // Not vacuous: the converted-path properties (contract, idempotence, preservation) ran.
    expect(converted).toBeGreaterThan(60);
  });
});

describe("properties on mutated corpus files", () => {
  const files = corpusFiles();
  it.skipIf(!corpusPresent)(`corpus present at ${corpusDir}`, () => {
    expect(files.length).toBeGreaterThan(50);
  });
  it.skipIf(!corpusPresent)("every corpus file as it is", () => {
    for (const f of files) expect(checkBytes(f.bytes), f.name).toBeNull();
  });
  it.skipIf(!corpusPresent)("byte-level mutations never crash and keep every property", () => {
    fc.assert(
      fc.property(fc.nat(files.length - 1), mutations, (i, ms) =>
        noFinding(checkBytes(applyMutations(files[i]!.bytes, ms))),
      ),
      { seed: SEED, numRuns: 150 },
    );
  });
});

describe("the preservation check can fail", () => {
  // A checker that accepts everything proves nothing: show it rejects a damaged output.
  const input = `FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nCMD ["/out/app"]\n`;
  const r = convert(input);
  it("accepts the real conversion", () => {
    expect(r.decision).toBe("converted");
    expect(preserved(input, r)).toBeNull();
  });
  it("rejects a dropped line, a reordered line and an edited FROM", () => {
    expect(preserved(input, { ...r, output: r.output.replace("COPY . .\n", "") })).toMatch(
      /line 3/,
    );
    expect(
      preserved(input, {
        ...r,
        output: r.output.replace("WORKDIR /src\nCOPY . .", "COPY . .\nWORKDIR /src"),
      }),
    ).not.toBeNull();
    expect(
      preserved(input, { ...r, output: r.output.replace("golang:1.19", "golang:1.20") }),
    ).toMatch(/line 1/);
  });
});
