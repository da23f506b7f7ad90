// The contract check reads the converted file with its builder stage blanked out (not parsed twice).
// Pinned here against the plain way: parse the whole output afresh and check again. Same verdict,
// same items, on every fixture and corpus file that converts, and on edge cases built for it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkContract } from "../src/contract.js";
import { convert } from "../src/index.js";
import { parseDocument } from "../src/parse/document.js";
import type { ConvertOptions } from "../src/types.js";
import { corpusDir, fixtureCases } from "./helpers.js";

function inputs(): { name: string; text: string; options: ConvertOptions }[] {
  const out = fixtureCases().map((c) => ({ name: c.name, text: c.input, options: c.options }));
  for (const set of ["open", "extra"]) {
    const dir = join(corpusDir, set);
    if (!existsSync(dir)) continue;
    for (const eco of readdirSync(dir, { withFileTypes: true })) {
      if (!eco.isDirectory()) continue;
      for (const f of readdirSync(join(dir, eco.name)))
        out.push({
          name: `${set}/${eco.name}/${f}`,
          text: readFileSync(join(dir, eco.name, f), "utf8"),
          options: {},
        });
    }
  }
  return out;
}

const GO = ["FROM golang:1.22", "WORKDIR /src", "COPY . .", "RUN go build -o /bin/app ."];
const edgeCases = [
  // CRLF, BOM, no final newline, a moved line at the end, lower-case keywords
  { name: "crlf", text: [...GO, 'CMD ["/bin/app"]', ""].join("\r\n") },
  { name: "bom", text: "\uFEFF" + [...GO, 'CMD ["/bin/app"]', ""].join("\n") },
  { name: "no final newline", text: [...GO, "EXPOSE 80", 'CMD ["/bin/app"]'].join("\n") },
  {
    name: "moved ENV at the end",
    text: [...GO, 'CMD ["/bin/app"]', "ENV CGO_ENABLED=0"].join("\n"),
  },
  {
    name: "lower case, global ARG",
    text: [
      "ARG V=1.22",
      "from golang:${V}-bookworm",
      "workdir /src",
      "copy . .",
      "run go build -o /bin/app .",
      'cmd ["/bin/app"]',
      "",
    ].join("\n"),
  },
  {
    name: "global ARG in a carried ENV",
    text: [
      "ARG V=1.22",
      "FROM golang:${V}-bookworm",
      "ENV GO_VERSION=${V}",
      ...GO.slice(1),
      'CMD ["/bin/app"]',
      "",
    ].join("\n"),
  },
  {
    name: "heredoc in the builder (whole file parsed)",
    text: [
      "FROM golang:1.22",
      "WORKDIR /src",
      "COPY . .",
      "RUN <<EOF",
      "go build -o /bin/app .",
      "EOF",
      'CMD ["/bin/app"]',
      "",
    ].join("\n"),
  },
  {
    name: "escape directive",
    text: [
      "# escape=`",
      "FROM golang:1.22",
      "WORKDIR /src",
      "COPY . .",
      "RUN go build `",
      "  -o /bin/app .",
      'CMD ["/bin/app"]',
      "",
    ].join("\n"),
  },
];

describe("the contract check's reparse", () => {
  const cases = [
    ...inputs(),
    ...edgeCases.map((c) => ({ ...c, name: `edge case: ${c.name}`, options: {} })),
  ];
  it("has cases", () => expect(cases.length).toBeGreaterThan(100));
  let converted = 0;
  for (const c of cases) {
    it(c.name, () => {
      const r = convert(c.text, c.options);
      if (c.name.startsWith("edge case:"))
        expect(r.decision, r.reasons[0]?.message).toBe("converted");
      if (r.decision !== "converted") return;
      converted++;
      const whole = checkContract(
        parseDocument(c.text),
        r.facts!,
        parseDocument(r.output),
        r.plan!,
        r.stages[0]!,
      );
      expect(r.contract).toEqual(whole);
    });
  }
  it("compared converted files", () => expect(converted).toBeGreaterThan(50));
});
