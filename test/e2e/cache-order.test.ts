// End-to-end for the cache order (issue 14): each fixtures/e2e-cache-* case (Node, Go, Python,
// Ruby, PHP, Rust) copies the whole
// context before its dependency step. Its context is copied to a temporary folder, the file is
// converted with that context, and both files are built; then a source file is edited and both are
// built again with --progress=plain. The converted build must reuse the dependency step (CACHED),
// the original must run it again, and both images must print the same (edited) line. Skipped
// without an engine or its base images, like real-build.test.ts (a failure under CI=true or
// MSB_REQUIRE_ENGINE=1).
import { randomUUID } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { convert } from "../../src/index.js";
import { readBuildContext } from "../../src/io/context.js";
import { Docker, resolveDockerPath } from "../../src/verify/index.js";
import { engineReadiness } from "./engine.js";

const fixtures = fileURLToPath(new URL("../../fixtures/", import.meta.url));

interface CacheCase {
  name: string;
  /** The source file edited between the two builds (its "hello" becomes "hello <nonce>"). */
  edit: string;
  /** The dependency step as BuildKit names it, in the original and in the converted file. */
  original: string;
  converted: string;
}

const CASES: CacheCase[] = [
  {
    name: "e2e-cache-node",
    edit: "src/message.js",
    original: "RUN npm ci && npm run build",
    converted: "RUN npm ci",
  },
  {
    name: "e2e-cache-go",
    edit: "greet/greet.go",
    original: "RUN go mod download",
    converted: "RUN go mod download",
  },
  {
    name: "e2e-cache-python",
    edit: "greet.py",
    original: "RUN pip install --no-index -r requirements.txt",
    converted: "RUN pip install --no-index -r requirements.txt",
  },
  {
    name: "e2e-cache-ruby",
    edit: "lib/greet.rb",
    original: "RUN bundle install",
    converted: "RUN bundle install",
  },
  {
    name: "e2e-cache-php",
    edit: "src/Greeter.php",
    original: "RUN composer install --no-dev --no-interaction --optimize-autoloader",
    converted:
      "RUN composer install --no-dev --no-interaction --optimize-autoloader --no-scripts --no-autoloader",
  },
  {
    // The dependency step is the added placeholder build; the original's step is its build.
    name: "e2e-cache-rust",
    edit: "src/main.rs",
    original: "RUN cargo build --release --locked",
    converted:
      "RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release --locked && rm -rf src",
  },
];

const required = process.env.CI === "true" || process.env.MSB_REQUIRE_ENGINE === "1";
const probe = await engineReadiness();
const skipNote = probe.ok ? "" : " [skipped: no engine or base images]";
const docker = new Docker(resolveDockerPath());

/** Whether BuildKit's plain log shows the step `text` as CACHED; undefined when it is not there. */
function stepCached(log: string, text: string): boolean | undefined {
  const ids = new Set<string>();
  for (const line of log.split("\n")) {
    const m = /^#(\d+) \[[^\]]*\] (.*)$/.exec(line.trimEnd());
    if (m && m[2] === text) ids.add(m[1]!);
  }
  if (ids.size === 0) return undefined;
  return log.split("\n").some((l) => {
    const m = /^#(\d+) CACHED\s*$/.exec(l);
    return m !== null && ids.has(m[1]!);
  });
}

async function build(file: string, context: string, tag: string): Promise<string> {
  const r = await docker.run(["build", "--progress=plain", "-f", file, "-t", tag, context], {
    maxChars: 400_000,
  });
  const log = r.stderr + r.stdout;
  expect(r.code, `docker build ${file}:\n${log.split("\n").slice(-30).join("\n")}`).toBe(0);
  return log;
}

async function runImage(tag: string): Promise<string> {
  const r = await docker.run(["run", "--rm", "--network", "none", tag], { timeoutMs: 60_000 });
  expect(r.code, `docker run ${tag}: ${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

describe("cache order: the dependency step survives a source edit", () => {
  it.runIf(required)("a container engine answers, with its base images", () => {
    expect(probe.ok, probe.ok ? "" : probe.reason).toBe(true);
  });

  it("stepCached reads BuildKit's plain log", () => {
    const log = [
      "#7 [builder 3/6] RUN npm ci",
      "#7 CACHED",
      "#8 [builder 4/6] COPY . .",
      "#8 DONE 0.1s",
    ].join("\n");
    expect(stepCached(log, "RUN npm ci")).toBe(true);
    expect(stepCached(log, "COPY . .")).toBe(false);
    expect(stepCached(log, "RUN go mod download")).toBeUndefined();
  });

  for (const c of CASES) {
    it.skipIf(!probe.ok)(
      `${c.name}: CACHED after an edit when converted, re-run in the original${skipNote}`,
      async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "msb-cache-"));
        const tags = [`msb-cache-${c.name}:orig`, `msb-cache-${c.name}:conv`];
        try {
          const ctx = path.join(dir, "context");
          cpSync(path.join(fixtures, c.name, "context"), ctx, { recursive: true });
          const input = readFileSync(path.join(fixtures, c.name, "Dockerfile"), "utf8");
          const origFile = path.join(dir, "Dockerfile");
          const convFile = path.join(dir, "Dockerfile.converted");
          writeFileSync(origFile, input);
          const result = convert(input, { context: readBuildContext(ctx, origFile) });
          expect(result.decision).toBe("converted");
          expect(result.plan?.cacheOrder?.steps.length).toBe(1);
          writeFileSync(convFile, result.output);

          await build(origFile, ctx, tags[0]!);
          await build(convFile, ctx, tags[1]!);
          // The first converted build already runs the real sources (Cargo: not the placeholder
          // the dependency step built, whose output looks newer than the copied sources).
          expect(await runImage(tags[1]!)).toBe(await runImage(tags[0]!));
          // Edit one source file: a text no earlier run has built, so no cache can hold it.
          const nonce = randomUUID().slice(0, 8);
          const editPath = path.join(ctx, c.edit);
          const before = readFileSync(editPath, "utf8");
          expect(before).toContain("hello");
          writeFileSync(editPath, before.replace("hello", `hello ${nonce}`));

          const convLog = await build(convFile, ctx, tags[1]!);
          expect(stepCached(convLog, "COPY . ."), "the edit reaches the converted build").toBe(
            false,
          );
          expect(stepCached(convLog, c.converted), `converted:\n${convLog}`).toBe(true);
          const origLog = await build(origFile, ctx, tags[0]!);
          expect(stepCached(origLog, c.original), `original:\n${origLog}`).toBe(false);

          const [orig, conv] = [await runImage(tags[0]!), await runImage(tags[1]!)];
          expect(orig).toContain(`hello ${nonce}`);
          expect(conv).toBe(orig);
        } finally {
          await docker.run(["rmi", "-f", ...tags]);
          rmSync(dir, { recursive: true, force: true });
        }
      },
      900_000,
    );
  }
});
