// The contract check must be able to fail: it reads the rendered text back (a fresh parse) and
// rejects an output that would change the image, whatever the plan says.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkContract } from "../src/contract.js";
import { convert } from "../src/index.js";
import { parseDocument, parseDocumentUncached } from "../src/parse/document.js";
import { corpusDir, fixtureCases, fixturesDir } from "./helpers.js";
import { findDockerfiles } from "../src/bulk/walk.js";
import { existsSync } from "node:fs";

const input = readFileSync(`${fixturesDir}go-cli-static/Dockerfile`, "utf8");

function check(output: string) {
  const r = convert(input);
  expect(r.decision).toBe("converted");
  return checkContract(parseDocument(input), r.facts!, parseDocument(output), r.plan!, "builder");
}

describe("contract check", () => {
  const good = convert(input).output;

  it("accepts the rendered output", () => {
    expect(check(good).ok).toBe(true);
  });

  it.each([
    ["the copy of the program dropped", (s: string) => s.replace(/^COPY --from=builder .*\n/m, "")],
    ["CMD changed", (s: string) => s.replace('CMD ["--name", "world"]', 'CMD ["--name", "x"]')],
    ["ENTRYPOINT dropped", (s: string) => s.replace(/^ENTRYPOINT .*\n/m, "")],
    ["a port exposed", (s: string) => s + "EXPOSE 8080\n"],
    ["a user that does not exist", (s: string) => s + "USER nobody2\n"],
    [
      "WORKDIR moved",
      (s: string) => s.replace("WORKDIR /src\nCOPY --from", "WORKDIR /elsewhere\nCOPY --from"),
    ],
    [
      "a shell needed on an image without one",
      (s: string) => s.replace('CMD ["--name", "world"]', "CMD hello --name world"),
    ],
    [
      "the copy from a stage that makes nothing",
      (s: string) =>
        s.replace("/usr/local/bin/hello /usr/local/bin/hello", "/src/go.sum /usr/local/bin/hello"),
    ],
    [
      "the program's copy replaced by a relative context copy (lands in WORKDIR, not /)",
      (s: string) => s.replace(/^COPY --from=builder .*\n/m, "COPY . .\n"),
    ],
  ])("rejects a broken output: %s", (_what, breakIt) => {
    const broken = breakIt(good);
    expect(broken).not.toBe(good);
    const c = check(broken);
    expect(c.ok).toBe(false);
    expect(c.items.some((i) => i.status === "differs" || i.status === "missing")).toBe(true);
  });
});

describe("parseDocument with memoised dockerfile-ast arguments", () => {
  const texts = fixtureCases().map((c) => c.input);
  it("agrees with the plain parse on every fixture and corpus file", async () => {
    if (existsSync(corpusDir))
      for (const f of await findDockerfiles([corpusDir])) texts.push(readFileSync(f, "utf8"));
    for (const t of texts) {
      const a = parseDocument(t);
      const b = parseDocumentUncached(t);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    }
  });
});
