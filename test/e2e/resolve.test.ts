// End-to-end `--resolve`: every fixtures/resolve-* case's builder is built and inspected with the
// local engine; the observed facts must give the conversion the fixture records (Dockerfile.expected,
// made from the facts recorded in case.json), the result must verify (builds, behaves like the
// original) and be within 1.2× of the hand-written expert rewrite beside it (expert.Dockerfile).
// Skipped without an engine or its base images, unless CI=true or MSB_REQUIRE_ENGINE=1.
// UPDATE_OBSERVED=1 records the observed facts into case.json (then UPDATE_GOLDEN=1 on
// test/fixtures.test.ts rewrites Dockerfile.expected; review both).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { convert } from "../../src/index.js";
import { resolveDockerfile } from "../../src/resolve/index.js";
import { buildImage, inspectImage } from "../../src/verify/docker.js";
import { formatBytes } from "../../src/verify/format.js";
import {
  Docker,
  formatReport,
  resolveDockerPath,
  verifyDockerfile,
} from "../../src/verify/index.js";
import { baseImages, engineReadiness } from "./engine.js";

const fixtures = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const cases = readdirSync(fixtures)
  .filter((n) => n.startsWith("resolve-") && existsSync(path.join(fixtures, n, "context")))
  .sort();
const update = process.env.UPDATE_OBSERVED === "1";

function images(): string[] {
  const texts: string[] = [];
  for (const name of cases) {
    const dir = path.join(fixtures, name);
    texts.push(readFileSync(path.join(dir, "Dockerfile"), "utf8"));
    texts.push(readFileSync(path.join(dir, "expert.Dockerfile"), "utf8"));
    const expected = path.join(dir, "Dockerfile.expected");
    if (existsSync(expected)) texts.push(readFileSync(expected, "utf8"));
  }
  return [...new Set(texts.flatMap(baseImages))].sort();
}

const required = process.env.CI === "true" || process.env.MSB_REQUIRE_ENGINE === "1";
const docker = new Docker(resolveDockerPath());
const probe = await engineReadiness(docker, images());
const skipNote = probe.ok ? "" : " [skipped: no engine or base images]";
if (!probe.ok)
  console.warn(
    `--resolve real builds ${required ? "REQUIRED but" : "skipped:"} ${probe.reason}` +
      (required ? "" : " (set MSB_REQUIRE_ENGINE=1 to make this a failure)"),
  );

interface Row {
  name: string;
  original: number;
  inferred: number;
  observed: number;
  expert: number;
  image: string;
  inspect: number;
}
const rows: Row[] = [];

/** Builds a file and returns its image size; the tag is removed again (the cache stays). */
async function sizeOf(file: string, context: string, tag: string): Promise<number> {
  const built = await buildImage(docker, { file, context, tag });
  expect(built.ok, `${file} does not build:\n${built.errorLines.join("\n")}`).toBe(true);
  const facts = await inspectImage(docker, tag);
  await docker.run(["rmi", "-f", tag]);
  return facts?.size ?? Infinity;
}

describe("--resolve real builds", () => {
  it.runIf(required)("a container engine answers, with its base images", () => {
    expect(probe.ok, probe.ok ? "" : probe.reason).toBe(true);
  });

  it("has the resolve fixtures, each with an expert rewrite", () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
    for (const name of cases)
      expect(existsSync(path.join(fixtures, name, "expert.Dockerfile"))).toBe(true);
  });

  for (const name of cases) {
    it.skipIf(!probe.ok)(
      `${name}: observed, converted, verified, within 1.2× of the expert${skipNote}`,
      async () => {
        const dir = path.join(fixtures, name);
        const dockerfile = path.join(dir, "Dockerfile");
        const context = path.join(dir, "context");
        const caseFile = path.join(dir, "case.json");
        const outcome = await resolveDockerfile({ dockerfile, context });
        expect(outcome.fallback, `${name}: fell back`).toBeNull();
        const observed = outcome.observed!;
        if (update)
          writeFileSync(caseFile, JSON.stringify({ options: { observed } }, null, 2) + "\n");
        const result = outcome.result;
        expect(result.decision, `${name}: ${JSON.stringify(result.reasons)}`).toBe("converted");
        // What the engine shows today gives the conversion the fixture records.
        expect(result.output).toBe(readFileSync(path.join(dir, "Dockerfile.expected"), "utf8"));
        // Each decision says whether it was observed or inferred; this one rests on observation.
        const plan = result.plan!;
        expect(plan.imageWhy).toMatch(/^(observed|inferred): /);
        expect(plan.notes.some((n) => n.startsWith("observed: "))).toBe(true);

        const report = await verifyDockerfile({
          dockerfile,
          context,
          convertedText: result.output,
        });
        expect(report.verdict, `${name}:\n${formatReport(report)}`).toBe("verified");
        const tmp = `msb-resolve-e2e-${process.pid}`;
        const staticText = convert(readFileSync(dockerfile, "utf8")).output;
        const staticFile = path.join(dir, ".static.Dockerfile");
        writeFileSync(staticFile, staticText);
        let inferred: number;
        try {
          inferred = await sizeOf(staticFile, context, `${tmp}:static`);
        } finally {
          rmSync(staticFile, { force: true });
        }
        const expert = await sizeOf(path.join(dir, "expert.Dockerfile"), context, `${tmp}:expert`);
        const conv = report.converted!.image!.size;
        rows.push({
          name,
          original: report.original!.image!.size,
          inferred,
          observed: conv,
          expert,
          image: result.plan!.image,
          inspect: outcome.inspectSeconds ?? 0,
        });
        expect(
          conv,
          `${name}: ${conv} B is over 1.2× the expert's ${expert} B`,
        ).toBeLessThanOrEqual(1.2 * expert);
        expect(conv).toBeLessThanOrEqual(inferred);
      },
      900_000,
    );
  }

  it.skipIf(!probe.ok)(
    `a builder that does not build here: the static result stands, saying why${skipNote}`,
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "msb-resolve-nobuild-"));
      try {
        // No registry answers and the engine lacks this tag: the build fails at FROM.
        const text =
          'FROM golang:1.99\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD ["/app"]\n';
        writeFileSync(path.join(dir, "Dockerfile"), text);
        const outcome = await resolveDockerfile({ dockerfile: path.join(dir, "Dockerfile") });
        expect(outcome.built).toBe("original");
        expect(outcome.fallback).toMatch(/^the builder does not build here/);
        expect(outcome.observed).toBeNull();
        expect(outcome.result.decision).toBe("skipped");
        expect(outcome.result.output).toBe(text);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it.skipIf(!probe.ok)(
    `a library loaded with dlopen() is not observed: the rewrite does not verify, so it is not made${skipNote}`,
    async () => {
      const dir = path.join(fixtures, "leave-resolve-dlopen");
      const dockerfile = path.join(dir, "Dockerfile");
      const outcome = await resolveDockerfile({
        dockerfile,
        context: path.join(dir, "context"),
        prove: true,
      });
      expect(outcome.fallback).toBeNull();
      expect(outcome.proof?.verdict).toBe("differs");
      expect(outcome.result.decision).toBe("skipped");
      expect(outcome.result.reasons[0]?.code).toBe("verify-failed");
      expect(outcome.result.output).toBe(readFileSync(dockerfile, "utf8"));
    },
    600_000,
  );

  it.skipIf(!probe.ok)(
    `verify --resolve proves the observed conversion${skipNote}`,
    async () => {
      const dir = path.join(fixtures, "resolve-go-cgo");
      const out: string[] = [];
      const sink = { write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WritableStream;
      const io = { stdout: sink, stderr: sink, stdin: process.stdin };
      const argv = ["verify", "--resolve", path.join(dir, "Dockerfile")];
      const code = await main([...argv, "--context", path.join(dir, "context")], io);
      expect(code, out.join("")).toBe(0);
      // distroless static: the converted image is a few MB, not a slim Debian's 75.
      expect(out.join("")).toMatch(/image size +[\d.]+ MB +[1-9]\.\d MB/);
    },
    600_000,
  );

  afterAll(() => {
    if (rows.length === 0) return;
    const f = (n: number) => formatBytes(n).padStart(9);
    console.log(
      [
        "fixture                   original  inferred  observed    expert  obs/exp  inspect  runtime image",
        ...rows.map(
          (r) =>
            `${r.name.padEnd(24)}${f(r.original)} ${f(r.inferred)} ${f(r.observed)} ${f(r.expert)}` +
            `  ${(r.observed / r.expert).toFixed(2).padStart(6)}  ${r.inspect.toFixed(1).padStart(5)}s  ${r.image}`,
        ),
      ].join("\n"),
    );
  });
});
