// --format sarif: the log validates against the SARIF 2.1.0 schema, names files relative to the
// scanned folder, and its fixes, applied to the original files, give the converted text.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import AjvDraft04 from "ajv-draft-04";
import ajvFormats from "ajv-formats";
import type * as Sarif from "sarif";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { convert } from "../src/index.js";
import { patchReplacements, SARIF_SCHEMA } from "../src/report/sarif.js";
import { RULES } from "../src/report/sarif-rules.js";
import { repoRoot } from "./helpers.js";
import { tempDir } from "./tmp.js";

// The SARIF 2.1.0 JSON schema (draft-04) as Microsoft's SARIF SDK ships it in an npm package:
// the 2.1.0-rtm.5 text the OASIS standard was approved from.
const require = createRequire(import.meta.url);
const schemaPath = join(
  require.resolve("@microsoft/jest-sarif").replace(/index\.js$/, ""),
  "schemas/sarif-2.1.0-rtm.5.json",
);
const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as Record<string, unknown>;
// unicodeRegExp off: rtm.5's language pattern has a stray `]` (fixed in the errata) that a /u
// regular expression refuses.
// (CommonJS modules: their default export is .default under NodeNext.)
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
ajvFormats.default(ajv);
const validate = ajv.compile(schema);

function expectValid(log: unknown) {
  const ok = validate(log);
  expect(ok ? [] : validate.errors).toEqual([]);
  expect(ok).toBe(true);
}

const GO =
  'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\nCMD ["/out/app"]\n';
const RUST_CRLF =
  "\uFEFFFROM rust:1.63\r\nWORKDIR /src\r\nCOPY . .\r\nRUN cargo build --release\r\n" +
  'CMD ["/src/target/release/app"]\r\n';
const NOTHING = "FROM nginx:1.22\nCOPY site/ /usr/share/nginx/html/\n";

function streams() {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    ({ write: (s: string) => into.push(s) > 0, isTTY: false }) as unknown as NodeJS.WritableStream;
  return {
    io: { stdout: sink(out), stderr: sink(err), stdin: process.stdin },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

async function sarifOf(args: string[]) {
  const s = streams();
  const code = await main(args, s.io);
  return { code, log: JSON.parse(s.out()) as Sarif.Log, stderr: s.err() };
}

/** Applies a fix's replacements (by character offset) and checks line/column say the same. */
function applyFix(text: string, replacements: Sarif.Replacement[]): string {
  const body = text.replace(/^\uFEFF/, "");
  const starts = [0];
  for (let i = 0; i < body.length; i++) if (body[i] === "\n") starts.push(i + 1);
  let out = body;
  for (const r of [...replacements].reverse()) {
    const d = r.deletedRegion;
    expect(starts[d.startLine! - 1]! + d.startColumn! - 1).toBe(d.charOffset);
    expect(starts[d.endLine! - 1]! + d.endColumn! - 1).toBe(d.charOffset! + d.charLength!);
    out =
      out.slice(0, d.charOffset) +
      (r.insertedContent?.text ?? "") +
      out.slice(d.charOffset! + d.charLength!);
  }
  return (text.startsWith("\uFEFF") ? "\uFEFF" : "") + out;
}

function scanDir() {
  const dir = tempDir("msb-sarif-");
  mkdirSync(join(dir, "svc", "api"), { recursive: true });
  mkdirSync(join(dir, "svc", "core lib"), { recursive: true });
  writeFileSync(join(dir, "svc", "api", "Dockerfile"), GO);
  writeFileSync(join(dir, "svc", "core lib", "Dockerfile"), RUST_CRLF);
  writeFileSync(join(dir, "svc", "web.Dockerfile"), NOTHING);
  return dir;
}

describe("--format sarif", () => {
  it("a directory with two convertible files: a valid log, one result per file, fixes that apply", async () => {
    const dir = scanDir();
    const { code, log } = await sarifOf(["--format", "sarif", join(dir, "svc")]);
    expect(code).toBe(0);
    expectValid(log);
    // The validator is live: the same log with a result that lost its message is refused.
    const broken = structuredClone(log) as unknown as { runs: { results: object[] }[] };
    delete (broken.runs[0]!.results[0] as { message?: unknown }).message;
    expect(validate(broken)).toBe(false);
    expect(log.$schema).toBe(SARIF_SCHEMA);
    expect(log.version).toBe("2.1.0");
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe("msb-migrate");
    expect(run.tool.driver.version).toBe(
      JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version,
    );
    for (const rule of run.tool.driver.rules!) expect(rule.help!.text.length).toBeGreaterThan(40);

    const results = run.results!;
    expect(results.map((r) => [r.ruleId, r.level])).toEqual([
      ["convertible", "warning"],
      ["convertible", "warning"],
      ["left-alone/nothing-built", "note"],
    ]);
    for (const r of results) expect(run.tool.driver.rules![r.ruleIndex!]!.id).toBe(r.ruleId);
    // Outside the working directory: relative to the scanned folder, which ROOT1 names.
    const where = results.map((r) => r.locations![0]!.physicalLocation!.artifactLocation!);
    expect(where).toEqual([
      { uri: "api/Dockerfile", uriBaseId: "ROOT1" },
      { uri: "core%20lib/Dockerfile", uriBaseId: "ROOT1" },
      { uri: "web.Dockerfile", uriBaseId: "ROOT1" },
    ]);
    expect(run.originalUriBaseIds!.ROOT1!.uri).toBe(pathToFileURL(join(dir, "svc")).href + "/");

    // The FROM line, and what would move where.
    expect(results[0]!.locations![0]!.physicalLocation!.region).toEqual({ startLine: 1 });
    expect(results[0]!.message.text).toBe(
      "Single-stage go build: the toolchain and build steps would move into a builder stage (FROM golang:1.19), " +
        "and a runtime stage on gcr.io/distroless/static-debian12 would run the program; copied from the builder: /out/app.",
    );
    expect(results[2]!.message.text).toMatch(/^Left alone \(nothing-built\): /);
    expect(results[2]!.fixes).toBeUndefined();

    // Each fix, applied to the file as it is, gives exactly what convert() writes.
    for (const [i, input] of [GO, RUST_CRLF].entries()) {
      const fix = results[i]!.fixes![0]!;
      expect(fix.artifactChanges[0]!.artifactLocation).toEqual(where[i]);
      const expected = convert(input, { path: "Dockerfile" }).output;
      expect(applyFix(input, fix.artifactChanges[0]!.replacements!)).toBe(expected);
      expect(results[i]!.properties!.patch).toMatch(/^diff --git /);
    }
    expect(run.invocations).toEqual([{ executionSuccessful: true }]);
  });

  it("run at a repository's root, names files relative to it (SRCROOT)", () => {
    const dir = scanDir();
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, "bin/msb-migrate.js"), "--format", "sarif", "svc/api", "svc/web.Dockerfile"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    const log = JSON.parse(r.stdout) as Sarif.Log;
    expectValid(log);
    const run = log.runs[0]!;
    expect(
      run.results!.map((x) => x.locations![0]!.physicalLocation!.artifactLocation!.uri),
    ).toEqual(["svc/api/Dockerfile", "svc/web.Dockerfile"]);
    expect(run.originalUriBaseIds).toEqual({ SRCROOT: { uri: pathToFileURL(dir).href + "/" } });
  });

  it("errors are notifications; --check still gates; --json and sarif cannot be mixed", async () => {
    const dir = scanDir();
    writeFileSync(join(dir, "svc", "Dockerfile"), Buffer.from([0x46, 0x52, 0, 0x4d]));
    const bad = await sarifOf(["--format", "sarif", join(dir, "svc")]);
    expect(bad.code).toBe(2);
    expectValid(bad.log);
    const inv = bad.log.runs[0]!.invocations![0]!;
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications).toHaveLength(1);
    expect(inv.toolExecutionNotifications![0]!.message.text).toMatch(/binary/);
    expect(bad.log.runs[0]!.results).toHaveLength(3);

    const check = await sarifOf(["--check", "--format", "sarif", join(dir, "svc", "api")]);
    expect(check.code).toBe(1);
    expect(check.log.runs[0]!.results).toHaveLength(1);
    expect(readFileSync(join(dir, "svc", "api", "Dockerfile"), "utf8")).toBe(GO);

    const s = streams();
    expect(await main(["--json", "--format", "sarif", dir], s.io)).toBe(2);
    expect(s.err()).toBe(
      "msb-migrate: --json is --format json; it cannot go with --format sarif\n",
    );
    const same = streams();
    expect(await main(["--format", "json", join(dir, "svc", "api")], same.io)).toBe(0);
    expect(JSON.parse(same.out()).files[0].decision).toBe("converted");
  });

  it("every leave-alone code of the README has its own rule", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("### Leave-alone reasons"));
    const codes = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(8);
    for (const code of codes) expect(RULES.map((r) => r.id)).toContain(`left-alone/${code}`);
  });

  it("a patch that no longer applies gives no fix", () => {
    const r = convert(GO, { path: "Dockerfile" });
    expect(patchReplacements(GO, r.patch)).not.toBeNull();
    expect(patchReplacements(GO.replace("WORKDIR /src", "WORKDIR /elsewhere"), r.patch)).toBeNull();
  });
});
