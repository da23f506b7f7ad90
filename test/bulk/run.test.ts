import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  createProgress,
  ERROR_LIST_LIMIT,
  forEachOrdered,
  openBulkReport,
  renderReportJson,
  renderReportMarkdown,
  renderSummaryText,
  runBulk,
  summarize,
  writeBulkReport,
  type BulkEvent,
  type BulkOptions,
  type FileDone,
  type FileOutcome,
} from "../../src/bulk/index.js";
import { convert } from "../../src/index.js";
import { tempDir } from "../tmp.js";

const GO =
  'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nCMD ["/out/app"]\n';
const NGINX = "FROM nginx:1.25\nCOPY site/ /usr/share/nginx/html/\n";
const MULTI =
  "FROM golang:1.19 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n";

function tree(files: Record<string, string | Buffer>): string {
  const root = tempDir("msb-bulk-");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** runBulk, with every result handed on collected (what a caller that keeps them would do). */
async function collect(
  paths: string[],
  options: BulkOptions = {},
  onEvent?: (e: BulkEvent) => void,
) {
  const done: FileDone[] = [];
  const summary = await runBulk(paths, { ...options, onResult: (d) => void done.push(d) }, onEvent);
  return { summary, done, outcomes: done.map((d) => d.outcome) };
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
    const {
      summary: s,
      outcomes,
      done,
    } = await collect([root], { jobs: 3, write: true, convert: crashing }, (e) => events.push(e));
    expect(s.files).toBe(6);
    expect(s.converted).toBe(2);
    expect(s.unchanged).toBe(2);
    expect(s.errors).toBe(2);
    expect(s.byReason).toEqual({ "nothing-built": 1, "already-multi-stage": 1 });
    expect(outcomes.map((o) => `${path.relative(root, o.path)} ${o.decision}`)).toEqual([
      "a/Dockerfile converted",
      "b/Dockerfile converted",
      "c/Dockerfile unchanged",
      "d/Dockerfile unchanged",
      "e/Dockerfile error",
      "f/Dockerfile error",
    ]);
    expect(outcomes[4]!.error).toMatch(/UTF-16/);
    expect(outcomes[5]!.error).toBe("engine crashed");
    expect(s.firstErrors.map((o) => o.error)).toEqual([outcomes[4]!.error, "engine crashed"]);
    expect(outcomes[0]!.image).toBe(convert(GO, { path: "x" }).plan!.image);
    // The engine's result and the thrown error go to onResult, not into the outcome.
    expect(done.map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(done[0]!.result!.patch).toContain("+COPY --from=builder");
    expect((done[5]!.cause as Error).message).toBe("engine crashed");
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
    const { summary: s, outcomes } = await collect([root, path.join(root, "missing")], { jobs: 1 });
    expect(readFileSync(path.join(root, "Dockerfile"), "utf8")).toBe(GO);
    expect(outcomes.map((o) => o.decision)).toEqual(["error", "converted"]);
    expect(outcomes[0]!.error).toBe("no such file or directory");
    expect(outcomes[1]!.written).toBe(false);
    expect(s).toMatchObject({ files: 2, errors: 1, converted: 1 });
  });

  it("honours .gitignore and --exclude", async () => {
    const root = tree({
      ".gitignore": "gen/\n",
      "gen/Dockerfile": GO,
      "x/Dockerfile": GO,
      "y/Dockerfile": GO,
    });
    const { outcomes } = await collect([root], { exclude: ["y/**"] });
    expect(outcomes.map((o) => path.relative(root, o.path))).toEqual(["x/Dockerfile"]);
  });
});

describe("runBulk streams: results are handed on as they finish, never held", () => {
  it("hands each result to onResult in input order while later files are still to convert, and keeps none", async () => {
    const n = 200;
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++) files[`s${String(i).padStart(3, "0")}/Dockerfile`] = GO;
    const root = tree(files);
    let calls = 0;
    const counting = (text: string, o: Parameters<typeof convert>[1]) => (
      calls++,
      convert(text, o)
    );
    const seen: { index: number; callsSoFar: number }[] = [];
    const patches: string[] = [];
    const summary = await runBulk([root], {
      jobs: 2,
      window: 8,
      convert: counting,
      onResult: async (d) => {
        seen.push({ index: d.index, callsSoFar: calls });
        patches.push(d.result!.patch);
        // A slow consumer (stdout not draining): conversion must wait for it, not run ahead.
        if (d.index % 50 === 0) await new Promise((r) => setTimeout(r, 20));
      },
    });
    expect(seen.map((x) => x.index)).toEqual([...Array(n).keys()]);
    // Incremental: when result i is handed on, at most the window of files after it has started.
    for (const x of seen) expect(x.callsSoFar).toBeLessThanOrEqual(x.index + 8);
    expect(seen[0]!.callsSoFar).toBeLessThan(n);
    expect(summary).toMatchObject({ files: n, converted: n, errors: 0, firstErrors: [] });
    // The return value holds counts only: no outcome list, no engine result, no patch text.
    const kept = JSON.stringify(summary);
    expect(Object.keys(summary).sort()).toEqual([
      "byReason",
      "converted",
      "durationMs",
      "errors",
      "files",
      "firstErrors",
      "skipped",
      "unchanged",
    ]);
    expect(kept).not.toContain("COPY --from");
    expect(kept).not.toContain(root);
    expect(kept.length).toBeLessThan(300);
    expect(patches.every((p) => p.includes("+COPY --from=builder"))).toBe(true);
  });

  it("lists at most ERROR_LIST_LIMIT errors in the summary but counts them all", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < ERROR_LIST_LIMIT + 5; i++)
      files[`e${String(i).padStart(2, "0")}/Dockerfile`] = GO;
    const root = tree(files);
    const failing = () => {
      throw new Error("engine crashed");
    };
    const s = await runBulk([root], { jobs: 2, convert: failing });
    expect(s.errors).toBe(ERROR_LIST_LIMIT + 5);
    expect(s.firstErrors.length).toBe(ERROR_LIST_LIMIT);
    expect(path.relative(root, s.firstErrors[0]!.path)).toBe("e00/Dockerfile");
    const text = renderSummaryText(s);
    expect(text.match(/^error: /gm)!.length).toBe(ERROR_LIST_LIMIT);
    expect(text).toContain("… and 5 more error(s) (--report FILE lists every file)\n");
  });
});

describe("forEachOrdered", () => {
  it("emits in index order whatever order the work finishes in, within the window", async () => {
    const delays = [30, 1, 12, 0, 5, 25, 2, 0, 8, 3, 0, 14, 1, 0, 6, 2];
    let started = 0;
    let emittedCount = 0;
    let widest = 0;
    const emitted: number[] = [];
    await forEachOrdered(
      delays.length,
      3,
      4,
      async (i) => {
        started++;
        widest = Math.max(widest, started - emittedCount);
        await new Promise((r) => setTimeout(r, delays[i]));
        return i * 10;
      },
      (v, i) => {
        expect(v).toBe(i * 10);
        emitted.push(i);
        emittedCount++;
      },
    );
    expect(emitted).toEqual([...delays.keys()]);
    expect(widest).toBeLessThanOrEqual(4);
  });

  it("stops and rejects when emit throws", async () => {
    let worked = 0;
    await expect(
      forEachOrdered(
        100,
        2,
        4,
        async (i) => (worked++, i),
        (v) => {
          if (v === 3) throw new Error("EPIPE");
        },
      ),
    ).rejects.toThrow("EPIPE");
    expect(worked).toBeLessThan(100);
  });
});

describe("reports", () => {
  const outcomes: FileOutcome[] = [
    {
      path: "a/Dockerfile",
      decision: "converted",
      reasons: [],
      ecosystem: "go",
      image: "gcr.io/distroless/static-debian12",
      written: true,
    },
    {
      path: "b/Dockerfile",
      decision: "unchanged",
      reasons: [{ code: "nothing-built", message: "no build step | found" }],
      ecosystem: null,
      written: false,
    },
    {
      path: "c/Dockerfile",
      decision: "skipped",
      reasons: [{ code: "artifact-unknown", message: "cannot tell", line: 4 }],
      ecosystem: "go",
      written: false,
    },
    {
      path: "d/Dockerfile",
      decision: "error",
      reasons: [],
      ecosystem: null,
      written: false,
      error: "is binary",
    },
  ];
  const summary = summarize(outcomes, 5);

  it("summarises for people", () => {
    expect(renderSummaryText(summary)).toBe(
      "4 file(s) seen: 1 converted, 1 unchanged, 1 skipped, 1 error(s)\n" +
        "left alone by reason: artifact-unknown 1, nothing-built 1\n" +
        "error: d/Dockerfile: is binary\n",
    );
  });

  it("renders Markdown with escaped cells and JSON with the counts after the files", () => {
    const md = renderReportMarkdown(summary, outcomes);
    expect(md).toContain("| 4 | 1 | 1 | 1 | 1 |");
    expect(md).toContain("| a/Dockerfile | go | runtime gcr.io/distroless/static-debian12 |");
    expect(md).toContain("| b/Dockerfile |  | no build step \\| found |");
    expect(md).toContain("| c/Dockerfile | go | cannot tell (line 4) |");
    expect(md).toContain("## Errors (1)");
    // The layout JSON.stringify gives the whole document at once, byte for byte.
    const { files: _n, firstErrors: _e, ...counts } = summary;
    const whole = JSON.stringify({ files: outcomes, ...counts }, null, 2) + "\n";
    expect(renderReportJson(summary, outcomes)).toBe(whole);
    const empty = summarize([], 0);
    const { files: _n0, firstErrors: _e0, ...counts0 } = empty;
    expect(renderReportJson(empty, [])).toBe(
      JSON.stringify({ files: [], ...counts0 }, null, 2) + "\n",
    );
  });

  it("writes --report FILE as the run goes, the same bytes as rendering it whole", async () => {
    const dir = tempDir("msb-report-");
    const mixed = [...outcomes, { ...outcomes[0]!, path: "e/Dockerfile" }, outcomes[1]!];
    const s = summarize(mixed, 7);
    for (const [name, render] of [
      ["out/r.json", renderReportJson],
      ["r.md", renderReportMarkdown],
    ] as const) {
      const file = path.join(dir, name);
      const w = await openBulkReport(file);
      expect(readFileSync(file, "utf8")).toBe(""); // created at once: a bad path fails early
      for (const o of mixed) await w.add(o);
      await w.finish(s);
      expect(readFileSync(file, "utf8")).toBe(render(s, mixed));
    }
    expect(JSON.parse(readFileSync(path.join(dir, "out/r.json"), "utf8")).files).toHaveLength(6);
    expect(readFileSync(path.join(dir, "r.md"), "utf8")).toMatch(
      /^# msb-migrate report\n[\s\S]*## Converted \(2\)\n\n\| file \| ecosystem \| why \|\n\| --- \| --- \| --- \|\n\| a\/Dockerfile [^\n]*\n\| e\/Dockerfile/,
    );
    // Only decisions present get a section; an empty run is the head alone.
    await writeBulkReport(path.join(dir, "empty.md"), summarize([]), []);
    expect(readFileSync(path.join(dir, "empty.md"), "utf8")).toBe(
      renderReportMarkdown(summarize([]), []),
    );
    await expect(openBulkReport(path.join(dir, "r.md", "x.md"))).rejects.toThrow();
  });
});

describe("progress", () => {
  const outcome = {
    path: "svc/Dockerfile",
    decision: "converted" as const,
    reasons: [],
    ecosystem: "go",
    written: true,
  };
  const events: BulkEvent[] = [
    { type: "start", total: 2 },
    { type: "file", done: 1, total: 2, outcome },
    { type: "file", done: 2, total: 2, outcome: { ...outcome, decision: "error", error: "boom" } },
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
