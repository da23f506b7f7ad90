// Bulk runs in a pool of worker threads (--jobs N > 1, enough files): the same results, in the
// same order, as converting in this thread; a runaway file stops only its worker.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { runBulk, type BulkEvent, type BulkOptions, type FileDone } from "../../src/bulk/index.js";
import { ConvertPool, PoolUnavailable } from "../../src/bulk/pool.js";
import { tempDir } from "../tmp.js";

const GO =
  'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nCMD ["/out/app"]\n';
const NGINX = "FROM nginx:1.25\nCOPY site/ /usr/share/nginx/html/\n";
const MULTI =
  "FROM golang:1.19 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n";
const NODE =
  'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD ["node", "dist/index.js"]\n';
// Converts in about a second: over a bound of a few milliseconds.
const SLOW =
  "FROM golang:1.19\nWORKDIR /src\nCOPY . .\n" +
  "RUN echo hello world && go build -o /out/app .\n".repeat(2000) +
  'CMD ["/out/app"]\n';

function tree(files: Record<string, string | Buffer>): string {
  const root = tempDir("msb-pool-");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** A directory of every kind of file: converted, left alone, and unreadable ones. */
function mixed(n = 40): string {
  const kinds: (string | Buffer)[] = [
    GO,
    NGINX,
    MULTI,
    NODE,
    Buffer.from("FROM x\n\u0000binary"), // binary
    Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x20, 0xc3, 0x28, 0x0a]), // invalid UTF-8
    Buffer.from([0xff, 0xfe, 0x46, 0x00]), // UTF-16
    "FROM golang:1.19\nRUN go build -o /out/app .\n# a comment\nCOPY --chown=1 a b\n",
  ];
  const spec: Record<string, string | Buffer> = {};
  for (let i = 0; i < n; i++) {
    const k = kinds[i % kinds.length]!;
    spec[`d${String(i).padStart(3, "0")}/Dockerfile`] =
      typeof k === "string" ? k.replaceAll("/out/app", `/out/app${i}`) : k;
  }
  return tree(spec);
}

async function collect(paths: string[], options: BulkOptions) {
  const done: FileDone[] = [];
  const events: BulkEvent[] = [];
  const summary = await runBulk(paths, { ...options, onResult: (d) => void done.push(d) }, (e) =>
    events.push(e),
  );
  const start = events.find((e) => e.type === "start") as Extract<BulkEvent, { type: "start" }>;
  // Causes compared by what the CLI shows of them: class, message and code.
  const plain = done.map(({ cause, ...d }) => ({
    ...d,
    cause:
      cause === undefined
        ? undefined
        : {
            name: (cause as Error).constructor.name,
            message: (cause as Error).message,
            code: (cause as { code?: string }).code,
          },
  }));
  return { summary: { ...summary, durationMs: 0 }, done: plain, workers: start.workers };
}

describe("runBulk with a worker pool", () => {
  it("gives the same results, in input order, as converting in this thread", async () => {
    const root = mixed();
    const missing = path.join(root, "missing");
    const opts: BulkOptions = { convertOptions: { builderName: "builder" } };
    const inProcess = await collect([root, missing], { ...opts, jobs: 1 });
    const pooled = await collect([root, missing], { ...opts, jobs: 2, poolMinFiles: 4, window: 6 });
    expect(inProcess.workers).toBeUndefined();
    expect(pooled.workers).toBe(2);
    expect(pooled.done).toEqual(inProcess.done);
    expect(pooled.summary).toEqual(inProcess.summary);
    // Every kind of outcome is there, in the walk's order.
    expect(pooled.done.map((d) => d.index)).toEqual([...Array(41).keys()]);
    expect(pooled.done[0]!.outcome.error).toBe("no such file or directory");
    expect(new Set(pooled.done.map((d) => d.outcome.decision))).toEqual(
      new Set(["converted", "unchanged", "error"]),
    );
    expect(pooled.summary.errors).toBe(1 + 15);
    expect(
      pooled.done.some((d) => /invalid UTF-8|not valid UTF-8/.test(d.outcome.error ?? "")),
    ).toBe(true);
  });

  it("writes the same files as converting in this thread (the write is the main thread's)", async () => {
    const a = mixed(24);
    const b = mixed(24);
    await collect([a], { jobs: 1, write: true });
    const pooled = await collect([b], { jobs: 2, write: true, poolMinFiles: 4 });
    expect(pooled.workers).toBe(2);
    for (let i = 0; i < 24; i++) {
      const rel = `d${String(i).padStart(3, "0")}/Dockerfile`;
      expect(readFileSync(path.join(b, rel))).toEqual(readFileSync(path.join(a, rel)));
    }
    expect(pooled.done.filter((d) => d.outcome.written).length).toBe(9);
  });

  it("a file over its time bound stops its worker and is skipped; the other files go on", async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 12; i++)
      spec[`d${String(i).padStart(2, "0")}/Dockerfile`] = i === 3 ? SLOW : GO;
    const root = tree(spec);
    // Only the big file is bounded, at 20 ms; it takes about a second.
    const r = await collect([root], {
      jobs: 2,
      poolMinFiles: 4,
      timeout: { ms: 20, overChars: 10_000 },
    });
    expect(r.workers).toBe(2);
    expect(r.done.map((d) => `${d.index} ${d.outcome.decision}`)).toEqual(
      spec && Object.keys(spec).map((_, i) => `${i} ${i === 3 ? "skipped" : "converted"}`),
    );
    expect(r.done[3]!.outcome.reasons).toEqual([
      { code: "timeout", message: "conversion took longer than --timeout-ms 20" },
    ]);
    expect(r.done[3]!.cause).toMatchObject({ name: "InputError", code: "timeout" });
    expect(r.summary).toMatchObject({ files: 12, converted: 11, skipped: 1, errors: 0 });
    expect(r.summary.byReason).toEqual({ timeout: 1 });
  }, 20_000);

  it("stays in this thread with --jobs 1, with few files, or with an injected convert", async () => {
    const root = mixed(16);
    expect((await collect([root], { jobs: 1, poolMinFiles: 1 })).workers).toBeUndefined();
    expect((await collect([root], { jobs: 2, poolMinFiles: 17 })).workers).toBeUndefined();
    // The default threshold: a handful of files never pays for starting workers.
    expect((await collect([root], { jobs: 4 })).workers).toBeUndefined();
    const own = await collect([root], {
      jobs: 2,
      poolMinFiles: 1,
      convert: () => {
        throw new Error("mine");
      },
    });
    expect(own.workers).toBeUndefined();
    expect(own.summary.errors).toBe(16);
  });
});

describe("ConvertPool", () => {
  it("hands jobs back (PoolUnavailable) when no worker starts, so the caller converts in-process", async () => {
    const pool = new ConvertPool(
      2,
      () => new Worker("throw new Error('no engine here')", { eval: true }),
    );
    const job = { file: "/nonexistent", maxSize: 1024, write: false, convertOptions: {} };
    await expect(pool.run(job)).rejects.toBeInstanceOf(PoolUnavailable);
    await expect(pool.run(job)).rejects.toBeInstanceOf(PoolUnavailable);
    await pool.close();
  });
});

describe("the build context in bulk runs", () => {
  it("is read beside each file, in the worker threads as in this thread", async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 6; i++) {
      spec[`p${i}/Dockerfile`] = NODE;
      spec[`p${i}/package.json`] = '{"name":"p","scripts":{"build":"tsc"}}';
      spec[`p${i}/package-lock.json`] = "{}";
    }
    const root = tree(spec);
    const patch = (d: FileDone) => d.result?.patch ?? "";
    const inThread = await collect([root], { jobs: 1, context: "auto", convertOptions: {} });
    const pooled = await collect([root], {
      jobs: 2,
      poolMinFiles: 4,
      context: "auto",
      convertOptions: {},
    });
    expect(pooled.workers).toBe(2);
    for (const d of [...inThread.done, ...pooled.done])
      expect(patch(d)).toContain("+COPY package.json package-lock.json ./\n+RUN npm ci\n");
    expect(pooled.done.map(patch)).toEqual(inThread.done.map(patch));
    // No context setting: the order stays (a library caller opts in).
    const none = await collect([root], { jobs: 1, convertOptions: {} });
    expect(patch(none.done[0]!)).not.toContain("+RUN npm ci\n");
  });
});
