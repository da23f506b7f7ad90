// Bulk features of the main command, through the CLI's main: --jobs, --report, .gitignore,
// --exclude, the progress bar on a TTY and the final summary.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { toReport, type FileReport } from "../../src/cli/commands/convert.js";
import { POOL_MIN_FILES } from "../../src/bulk/index.js";
import { main } from "../../src/cli/main.js";
import { convert } from "../../src/index.js";
import { tempDir } from "../tmp.js";

const GO =
  'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nCMD ["/out/app"]\n';
const NGINX = "FROM nginx:1.25\nCOPY site/ /usr/share/nginx/html/\n";

function tree(files: Record<string, string>): string {
  const root = tempDir("msb-bulk-cli-");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

async function run(args: string[], tty = false) {
  let out = "";
  let err = "";
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(args, {
    stdout: {
      write: (s: string) => ((out += s), true),
      isTTY: false,
    } as unknown as NodeJS.WritableStream,
    stderr: {
      write: (s: string) => ((err += s), true),
      isTTY: tty,
      columns: 80,
    } as unknown as NodeJS.WritableStream,
    stdin,
  });
  return { code, out, err };
}

describe("msb-migrate DIR (bulk)", () => {
  it("converts with --jobs, honours .gitignore and --exclude, prints a summary, writes --report", async () => {
    const root = tree({
      ".gitignore": "generated/\n",
      "a/Dockerfile": GO,
      "b/Dockerfile": GO,
      "c/Dockerfile": NGINX,
      "generated/Dockerfile": GO,
      "vendor/x/Dockerfile": GO,
    });
    const report = path.join(root, "out", "report.json");
    const r = await run([root, "--jobs", "2", "--exclude", "vendor/**", "--report", report]);
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      "3 file(s) seen: 2 converted, 1 unchanged, 0 skipped, 0 error(s)\nleft alone by reason: nothing-built 1\n",
    );
    expect(readFileSync(path.join(root, "a/Dockerfile"), "utf8")).toContain("AS builder");
    expect(readFileSync(path.join(root, "generated/Dockerfile"), "utf8")).toBe(GO);
    expect(readFileSync(path.join(root, "vendor/x/Dockerfile"), "utf8")).toBe(GO);
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(json).toMatchObject({ files: expect.any(Array), converted: 2, unchanged: 1, errors: 0 });
    expect(json.files.map((f: { path: string }) => path.relative(root, f.path))).toEqual([
      "a/Dockerfile",
      "b/Dockerfile",
      "c/Dockerfile",
    ]);
  });

  it("--no-gitignore converts ignored files too; --report .md writes Markdown", async () => {
    const root = tree({ ".gitignore": "generated/\n", "generated/Dockerfile": GO });
    const report = path.join(root, "r.md");
    const r = await run([root, "--no-gitignore", "--dry-run", "--report", report]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("+FROM golang:1.19-bookworm AS builder");
    expect(readFileSync(report, "utf8")).toMatch(
      /^# msb-migrate report\n[\s\S]*\| 1 \| 1 \| 0 \| 0 \| 0 \|/,
    );
  });

  it("one unreadable file does not stop the others and sets the exit code", async () => {
    const root = tree({ "a/Dockerfile": GO, "b/Dockerfile": "FROM x\n\u0000binary" });
    const r = await run([root, "--dry-run"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error .*b\/Dockerfile: is binary/);
    expect(r.err).toContain("2 file(s) seen: 1 converted, 0 unchanged, 0 skipped, 1 error(s)");
  });

  it("draws a progress bar on a terminal and plain status lines otherwise", async () => {
    const root = tree({ "a/Dockerfile": GO, "b/Dockerfile": NGINX });
    // CI=true (as in .ci/run) means plain lines even on a terminal; this test wants the terminal.
    const ci = process.env.CI;
    delete process.env.CI;
    const tty = await run([root, "--check"], true).finally(() => {
      if (ci !== undefined) process.env.CI = ci;
    });
    expect(tty.err).toMatch(/\r\x1b\[2K\[#+-*\] 1\/2 /);
    const plain = await run([root, "--check"], false);
    expect(plain.err).not.toContain("\x1b[2K");
    expect(plain.err).toContain("2 file(s) seen");
  });
});

describe("bulk output streams, in input order, with backpressure", () => {
  /** A stdout that drains slowly: each write completes on a later turn, its buffer is tiny. */
  function slowSink() {
    const chunks: string[] = [];
    let widest = 0;
    const sink = new Writable({
      highWaterMark: 64,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        setImmediate(cb);
      },
    });
    const write = sink.write.bind(sink);
    sink.write = ((chunk: string) => {
      const ok = write(chunk);
      widest = Math.max(widest, sink.writableLength);
      return ok;
    }) as typeof sink.write;
    return { sink, text: () => chunks.join(""), widest: () => widest };
  }

  function manyFiles(n: number): { root: string; files: string[] } {
    const spec: Record<string, string> = {};
    for (let i = 0; i < n; i++)
      spec[`s${String(i).padStart(2, "0")}/Dockerfile`] =
        i % 3 === 2 ? NGINX : GO.replaceAll("/out/app", `/out/app${i}`);
    const root = tree(spec);
    return { root, files: Object.keys(spec).map((f) => path.join(root, f)) };
  }

  it("--json over many files is one valid document, laid out as JSON.stringify would, entry by entry", async () => {
    const { root, files } = manyFiles(24);
    const out = slowSink();
    let err = "";
    const stdin = new PassThrough();
    stdin.end();
    const code = await main(["--json", "--jobs", "2", root], {
      stdout: out.sink,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      stdin,
    });
    expect(code).toBe(0);
    expect(err).toBe("");
    const text = out.text();
    const doc = JSON.parse(text) as { files: FileReport[]; summary: unknown };
    // Byte for byte what the one-shot JSON.stringify of the same document gives.
    expect(text).toBe(JSON.stringify(doc, null, 2) + "\n");
    expect(doc.files.map((f) => f.path)).toEqual(files);
    // Same content as the engine gives each file on its own.
    for (const f of doc.files)
      expect(f).toEqual(
        JSON.parse(
          JSON.stringify(
            toReport(
              f.path,
              convert(readFileSync(f.path, "utf8"), { path: f.path, builderName: "builder" }),
            ),
          ),
        ),
      );
    expect(doc.summary).toEqual({
      files: 24,
      converted: 16,
      unchanged: 8,
      skipped: 0,
      errors: 0,
      reasons: { "nothing-built": 8 },
    });
    // It waited for stdout to drain: never more than about one file's entry was buffered.
    const biggest = Math.max(...doc.files.map((f) => JSON.stringify(f, null, 2).length));
    expect(out.widest()).toBeLessThan(biggest * 2);
    expect(out.widest()).toBeLessThan(text.length / 4);
  });

  it("--dry-run prints each file's patch and explanation in input order", async () => {
    const { root, files } = manyFiles(9);
    const out = slowSink();
    let err = "";
    const stdin = new PassThrough();
    stdin.end();
    const code = await main(["--dry-run", "--jobs", "2", root], {
      stdout: out.sink,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      stdin,
    });
    expect(code).toBe(0);
    const converted = files.filter((_, i) => i % 3 !== 2);
    expect(out.text()).toBe(
      converted
        .map((f) => convert(readFileSync(f, "utf8"), { path: f, builderName: "builder" }).patch)
        .join(""),
    );
    const status = err.split("\n").filter((l) => /^(would convert|unchanged) /.test(l));
    expect(status.map((l) => l.split(" ").find((w) => w.startsWith(root)))).toEqual(files);
    expect(err).toContain("9 file(s) seen: 6 converted, 3 unchanged");
  });
});

describe("--jobs 2 over enough files converts in worker threads, with the same output", () => {
  it("--json, --dry-run and --report give the bytes --jobs 1 gives", async () => {
    const kinds = [GO, NGINX, "FROM x\n\u0000binary", GO.replace("golang:1.19", "golang:1.22")];
    const spec: Record<string, string> = {};
    // POOL_MIN_FILES: the least a pool is started for.
    for (let i = 0; i < POOL_MIN_FILES; i++)
      spec[`p${String(i).padStart(3, "0")}/Dockerfile`] = kinds[i % kinds.length]!.replaceAll(
        "/out/app",
        `/out/app${i}`,
      );
    const root = tree(spec);
    for (const mode of [["--json"], ["--dry-run", "--report"]]) {
      const outs = [];
      for (const jobs of ["1", "2"]) {
        const args = [...mode, "--jobs", jobs, root];
        const report = path.join(root, `report-${jobs}.json`);
        if (mode.includes("--report")) args.splice(args.indexOf("--report") + 1, 0, report);
        const r = await run(args);
        const rep = mode.includes("--report") ? readFileSync(report, "utf8") : "";
        outs.push({
          code: r.code,
          out: r.out,
          err: r.err,
          report: rep.replace(/"durationMs": \d+/, ""),
        });
      }
      expect(outs[1]).toEqual(outs[0]);
      expect(outs[0]!.code).toBe(2);
    }
  }, 30_000);
});
