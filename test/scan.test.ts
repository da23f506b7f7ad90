// The fast scanner (src/parse/scan.ts) against dockerfile-ast: wherever the scanner answers, the
// Document must be the same as dockerfile-ast's, field for field. Every fixture, the corpus, edge
// cases written for it, generated files and byte mutations of real files.
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { convert } from "../src/index.js";
import { parseDocument, parseDocumentWithAst } from "../src/parse/document.js";
import { scanDockerfile } from "../src/parse/scan.js";
import { corpusFiles } from "./fuzz/corpus.js";
import { applyMutations, dockerfile, likelyConvertible, mutations } from "./fuzz/generators.js";
import { fixtureCases } from "./helpers.js";

const SEED = Number(process.env["MSB_SEED"] ?? 20261127);

/** True when the scanner declines the text, or both parses agree. */
function agrees(text: string): boolean {
  if (!scanDockerfile(text.replace(/^\uFEFF/, ""))) return true;
  return isDeepStrictEqual(parseDocument(text), parseDocumentWithAst(text));
}

function expectSame(text: string): void {
  expect(parseDocument(text)).toEqual(parseDocumentWithAst(text));
}

const EDGE = [
  "FROM x\n",
  "FROM x",
  'from x as b\nrun make\ncmd ["b"]\n',
  "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n",
  "RUN --mount=type=cache,target=/root/.cache --network=none go build\n",
  "RUN --mount=type=cache \\\n    go build\n",
  "COPY --from=build --chown=app:app /out /app\n",
  "COPY --link . .\n",
  "COPY a--b c\n",
  "RUN \\\n  apt-get update \\\n  # a comment\n  && apt-get install -y gcc\n",
  "RUN a \\   \n  b\n",
  "RUN a \\\n\n  b\nEXPOSE 80\n",
  "RUN x \\",
  "RUN x \\\n",
  "RUN x \\ \n",
  "HEALTHCHECK --interval=5s --timeout=3s CMD curl -f http://localhost/ || exit 1\n",
  "HEALTHCHECK --interval=5s \\\n  CMD true\n",
  "HEALTHCHECK NONE\n",
  "ENV A=1 B=2\n",
  "ENV A=b=c\n",
  "ENV PATH /usr/local/go/bin:$PATH\n",
  "ENV A=\n",
  "ENV A=1 \\\n    B=2\n",
  'ENV A="x y"\n',
  "ENV A x y\n",
  "LABEL a=b c=d\n",
  "LABEL maintainer=me@example.com\n",
  "ARG X\nARG Y=1\nFROM golang:${Y}\nARG X\n",
  "ARG A=1 B=2\n",
  "EXPOSE\n",
  "EXPOSE 80 443/tcp\n",
  "EXPOSE   \n",
  "USER 1000:1000\nWORKDIR /app\nVOLUME /data\nSTOPSIGNAL SIGTERM\n",
  'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n',
  'CMD ["a", "--flag"]  \n',
  "CMD --help\n",
  "ENTRYPOINT exec app --port 80\n",
  "MAINTAINER someone\n",
  "  # indented comment\n\tFROM x\n\t\tRUN y\n",
  "# syntax=docker/dockerfile:1\nFROM x\n",
  "#comment\nFROM x # not a comment\n",
  "FROM x\nRUN a\\\nb\n",
  "FROM x\nRUN echo \\$HOME\n",
  "FROM x\nWORKDIR C:\\\\app\n",
  "FROM x\nFROBNICATE y\n",
  "FROM x\nONBUILD RUN make\n",
  "FROM x\nRUN <<EOF\nmake\nEOF\n",
  "# escape=`\nFROM x\nRUN a `\n  b\n",
  "FROM x\r\nRUN a\r\n",
  "\uFEFFFROM x\nRUN a\n",
  "FROM x\nRUN a \\\n  # only a comment\n",
  "FROM x\nCOPY --from=a \\\n   b c\n",
  "FROM x\nCOPY \\\n  --from=a b c\n",
  "FROM x\nRUN\n",
  "FROM x\nRUN --mount=type=secret,id=a\n",
  "FROM x\nADD --chmod=755 https://example.com/a /a\n",
  "FROM x\nRUN echo # not a comment\n",
  "FROM\tx\nRUN\tmake\t\n",
  "FROM x\n\n\n   \n\t\nRUN a\n",
  "FROM x\fy\nRUN a\vb\n",
  "FROM x\nENV A=1\u00a0B=2\n",
  "FROM x\nRUN --mount=type=cache,target=/x\\\n  go build\n",
  'FROM x\nCOPY --chown="a:b" . .\n',
  "FROM x\nHEALTHCHECK --retries=3 curl x\n",
  "FROM x\nRUN a \\\n  \\\n  b\n",
  "FROM x\nRUN a \\\n#c\n#d\n  b\n",
  'LABEL maintainer "Jess <jess@linux.com>"\n',
  "LABEL maintainer jess\n",
  'ENV RUSTFLAGS "-C target-cpu=native"\n',
  'ENV A="x y" B=\'p q\' C=""\n',
  'ENV PATH="/root/.dotnet:${PATH}"\n',
  'ENV D="a"b\n',
  'ENV E x "y z"\n',
  'ENV F "x"\n',
  'LABEL a="1" "b c"="2"\n',
  'ARG G="1"\n',
  "ENV H='a\"b'\n",
  'ENV I="a\'b"\n',
  'ENV J="unterminated\n',
  'ENV "K"=1\n',
  "ENV L=1\\\nM=2\n",
  'ENV L=1 \\\n    M=2 \\\n    N="3 4"\n',
  "ENV L=1 \\\n  # comment\n    M=2\n",
  "ENV L=1 \\\n\n    M=2\n",
  'ENV N="a\\"b"\n',
  "ENV O=\n",
  "ENV P= Q=1\n",
  "ENV =1\n",
  'ENV R "a" "b"\n',
  "LABEL a=b \\\n      c=d\n",
  "ARG S='x'\n",
  'LABEL maintainer "Jessie \\\nJessie <jess@linux.com>"\n',
];

describe("fast scanner = dockerfile-ast", () => {
  for (const text of EDGE) it(JSON.stringify(text), () => expectSame(text));

  const files = [
    ...fixtureCases().map((c) => ({ name: `fixtures/${c.name}`, text: c.input })),
    ...corpusFiles().map((f) => ({ name: f.name, text: f.bytes.toString("utf8") })),
  ];
  it("answers for most real files (else the fast path is pointless)", () => {
    const answered = files.filter((f) => scanDockerfile(f.text.replace(/^\uFEFF/, ""))).length;
    expect(answered / files.length).toBeGreaterThan(0.7);
  });
  it("agrees on every fixture and corpus file", () => {
    const differ = files.filter((f) => !agrees(f.text)).map((f) => f.name);
    expect(differ).toEqual([]);
  });
  it("agrees on every converted file (what the contract check reads back)", () => {
    const outputs = files
      .map((f) => ({ name: f.name, r: convert(f.text) }))
      .filter((x) => x.r.decision === "converted");
    expect(outputs.length).toBeGreaterThan(50);
    expect(outputs.filter((x) => !agrees(x.r.output)).map((x) => x.name)).toEqual([]);
  });
  it("agrees on generated Dockerfiles", () => {
    fc.assert(fc.property(fc.oneof(dockerfile, likelyConvertible), agrees), {
      seed: SEED,
      numRuns: 4000,
    });
  });
  it("agrees on generated ENV, LABEL and ARG lines", () => {
    const piece = fc.constantFrom(
      "A=1",
      'B="x y"',
      "C='z w'",
      "D=",
      "E",
      '"q"',
      "'r s'",
      "=",
      "F=a=b",
      'G="a"b',
      "H=$PATH:/x",
      "I=${J:-k}",
      " ",
      "\t",
      " \\\n  ",
      "\\\n",
      '"',
      "\\",
      "#",
      "\n# c\n",
    );
    const line = fc
      .tuple(fc.constantFrom("ENV", "LABEL", "ARG", "env"), fc.array(piece, { maxLength: 6 }))
      .map(([kw, ps]) => `FROM x\n${kw} ${ps.join(" ")}\nRUN a\n`);
    fc.assert(fc.property(line, agrees), { seed: SEED, numRuns: 4000 });
  });
  const corpus = corpusFiles();
  it.skipIf(corpus.length === 0)("agrees on byte mutations of real files", () => {
    fc.assert(
      fc.property(fc.nat(corpus.length - 1), mutations, (i, ms) =>
        agrees(applyMutations(corpus[i]!.bytes, ms).toString("utf8")),
      ),
      { seed: SEED, numRuns: 4000 },
    );
  });
});
