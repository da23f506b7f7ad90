import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  createProgress,
  renderReportJson,
  renderReportMarkdown,
  renderSummaryText,
  runBulk,
  writeBulkReport,
  type BulkEvent,
} from "../../src/bulk/index.js";
import { convert } from "../../src/index.js";

const GO =
  'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nCMD ["/out/app"]\n';
const NGINX = "FROM nginx:1.25\nCOPY site/ /usr/share/nginx/html/\n";
const MULTI =
  "FROM golang:1.19 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n";

function tree(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "msb-bulk-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe("runBulk", () => {
  it("converts many files, counts decisions and reasons, and one bad file never stops the run", async () => {
    const root = tree({
      "a/Dockerfile": GO,
      "b/Dockerfile": GO.replaceAll("/out/app", "/out/b"),
      "c/Dockerfile": NGINX,
      "d/Dockerfile": MULTI,
      "e/Dockerfile": Buffer.from([0xff, 0xfe, 0x46, 0x00]),
      "f/Dockerfile": GO.replace("golang", "golang:boom"),
    });
    const events: BulkEvent[] = [];
    const crashing = (text: string, o: Parameters<typeof convert>[1]) => {
      if (text.includes("boom")) throw new Error("engine crashed");
      return convert(text, o);
    };
    const s = await runBulk([root], { jobs: 3, write: true, convert: crashing }, (e) =>
      events.push(e),
    );
    expect(s.files).toBe(6);
    expect(s.converted).toBe(2);
    expect(s.unchanged).toBe(2);
    expect(s.errors).toBe(2);
    expect(s.byReason).toEqual({ "nothing-built": 1, "already-multi-stage": 1 });
    expect(s.outcomes.map((o) => `${path.relative(root, o.path)} ${o.decision}`)).toEqual([
      "a/Dockerfile converted",
      "b/Dockerfile converted",
      "c/Dockerfile unchanged",
      "d/Dockerfile unchanged",
      "e/Dockerfile error",
      "f/Dockerfile error",
    ]);
    expect(s.outcomes[4]!.error).toMatch(/UTF-16/);
    expect(s.outcomes[5]!.error).toBe("engine crashed");
    // Written in place, exactly the engine's output; files left alone are untouched.
    expect(readFileSync(path.join(root, "a/Dockerfile"), "utf8")).toBe(
      convert(GO, { path: "x" }).output,
    );
    expect(readFileSync(path.join(root, "c/Dockerfile"), "utf8")).toBe(NGINX);
    expect(events[0]).toEqual({ type: "start", total: 6 });
    expect(
      events.filter((e) => e.type === "file").map((e) => (e as { done: number }).done),
    ).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.at(-1)!.type).toBe("done");
  });

  it("writes nothing without write, and reports a missing path as an error", async () => {
    const root = tree({ Dockerfile: GO });
    const s = await runBulk([root, path.join(root, "missing")], { jobs: 1 });
    expect(readFileSync(path.join(root, "Dockerfile"), "utf8")).toBe(GO);
    expect(s.outcomes.map((o) => o.decision)).toEqual(["error", "converted"]);
    expect(s.outcomes[0]!.error).toBe("no such file or directory");
    expect(s.outcomes[1]!.written).toBe(false);
  });

  it("honours .gitignore and --exclude", async () => {
    const root = tree({
      ".gitignore": "gen/\n",
      "gen/Dockerfile": GO,
      "x/Dockerfile": GO,
      "y/Dockerfile": GO,
    });
    const s = await runBulk([root], { exclude: ["y/**"] });
    expect(s.outcomes.map((o) => path.relative(root, o.path))).toEqual(["x/Dockerfile"]);
  });
});

describe("reports", () => {
  const summary = {
    files: 4,
    converted: 1,
    unchanged: 1,
    skipped: 1,
    errors: 1,
    byReason: { "nothing-built": 1, "artifact-unknown": 1 },
    durationMs: 5,
    outcomes: [
      {
        path: "a/Dockerfile",
        decision: "converted" as const,
        reasons: [],
        ecosystem: "go",
        written: true,
        result: null,
      },
      {
        path: "b/Dockerfile",
        decision: "unchanged" as const,
        reasons: [{ code: "nothing-built", message: "no build step | found" }],
        ecosystem: null,
        written: false,
        result: null,
      },
      {
        path: "c/Dockerfile",
        decision: "skipped" as const,
        reasons: [{ code: "artifact-unknown", message: "cannot tell", line: 4 }],
        ecosystem: "go",
        written: false,
        result: null,
      },
      {
        path: "d/Dockerfile",
        decision: "error" as const,
        reasons: [],
        ecosystem: null,
        written: false,
        error: "is binary",
        result: null,
      },
    ],
  };

  it("summarises for people", () => {
    expect(renderSummaryText(summary)).toBe(
      "4 file(s) seen: 1 converted, 1 unchanged, 1 skipped, 1 error(s)\n" +
        "left alone by reason: artifact-unknown 1, nothing-built 1\n" +
        "error: d/Dockerfile: is binary\n",
    );
  });

  it("renders Markdown with escaped cells and JSON without engine internals", async () => {
    const md = renderReportMarkdown(summary);
    expect(md).toContain("| 4 | 1 | 1 | 1 | 1 |");
    expect(md).toContain("| b/Dockerfile |  | no build step \\| found |");
    expect(md).toContain("| c/Dockerfile | go | cannot tell (line 4) |");
    expect(md).toContain("## Errors (1)");
    const json = JSON.parse(renderReportJson(summary));
    expect(json.converted).toBe(1);
    expect(json.files[0]).not.toHaveProperty("result");
    const dir = mkdtempSync(path.join(os.tmpdir(), "msb-report-"));
    await writeBulkReport(path.join(dir, "out/r.json"), summary);
    await writeBulkReport(path.join(dir, "r.md"), summary);
    expect(JSON.parse(readFileSync(path.join(dir, "out/r.json"), "utf8")).errors).toBe(1);
    expect(readFileSync(path.join(dir, "r.md"), "utf8")).toMatch(/^# msb-migrate report/);
  });
});

describe("progress", () => {
  const outcome = {
    path: "svc/Dockerfile",
    decision: "converted" as const,
    reasons: [],
    ecosystem: "go",
    written: true,
    result: null,
  };
  const events: BulkEvent[] = [
    { type: "start", total: 2 },
    { type: "file", done: 1, total: 2, outcome, result: null },
    {
      type: "file",
      done: 2,
      total: 2,
      outcome: { ...outcome, decision: "error", error: "boom" },
      result: null,
    },
  ];

  it("prints plain lines when not a TTY or in CI", () => {
    for (const [isTTY, env] of [
      [false, {}],
      [true, { CI: "true" }],
    ] as const) {
      let out = "";
      const p = createProgress({ write: (s: string) => (out += s), isTTY }, { env });
      events.forEach(p);
      expect(out).toBe(
        "2 Dockerfile(s) found\n[1/2] converted svc/Dockerfile\n[2/2] error svc/Dockerfile (boom)\n",
      );
    }
  });

  it("redraws one bar line on a TTY and clears it at the end", () => {
    let out = "";
    const p = createProgress(
      { write: (s: string) => (out += s), isTTY: true, columns: 60 },
      { env: {} },
    );
    [...events, { type: "done", summary: {} } as BulkEvent].forEach(p);
    expect(out).not.toContain("\n");
    expect(out).toContain("] 1/2 svc/Dockerfile");
    expect(out.endsWith("\r\x1b[2K")).toBe(true);
  });
});
