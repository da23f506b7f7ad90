// The CLI end to end: real files in a temp dir, the real binary for git apply.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { beforeEach, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { repoRoot } from "./helpers.js";
import { tempDir } from "./tmp.js";

const GO =
  'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\nCMD ["/out/app"]\n';
const NOTHING = "FROM nginx:1.22\nCOPY site/ /usr/share/nginx/html/\n";

function streams(stdinText = "") {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = new PassThrough();
  stdin.end(stdinText);
  return {
    io: {
      stdout: {
        write: (s: string) => out.push(s) > 0,
        isTTY: false,
      } as unknown as NodeJS.WritableStream,
      stderr: {
        write: (s: string) => err.push(s) > 0,
        isTTY: false,
      } as unknown as NodeJS.WritableStream,
      stdin,
    },
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

function treeHash(dir: string): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = join(d, e.name);
      h.update(p);
      if (e.isDirectory()) walk(p);
      else h.update(readFileSync(p)).update(String(statSync(p).mode));
    }
  };
  walk(dir);
  return h.digest("hex");
}

let dir: string;
beforeEach(() => {
  dir = tempDir("msb-cli-");
  mkdirSync(join(dir, "svc/api"), { recursive: true });
  mkdirSync(join(dir, "node_modules/x"), { recursive: true });
  writeFileSync(join(dir, "svc/api/Dockerfile"), GO);
  writeFileSync(join(dir, "svc/web.Dockerfile"), NOTHING);
  writeFileSync(join(dir, "node_modules/x/Dockerfile"), GO);
});

describe("msb-migrate", () => {
  it("--dry-run writes nothing and its stdout applies with git apply", () => {
    const before = treeHash(dir);
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, "bin/msb-migrate.js"), "--dry-run", "svc"],
      { cwd: dir, encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    expect(treeHash(dir)).toBe(before);
    expect(r.stdout).toContain("diff --git a/svc/api/Dockerfile b/svc/api/Dockerfile");
    expect(r.stderr).toContain("svc/api/Dockerfile:4  build");
    expect(r.stderr).toMatch(/unchanged svc\/web.Dockerfile \(nothing-built/);
    writeFileSync(join(dir, "patch.diff"), r.stdout);
    execFileSync("git", ["init", "-q"], { cwd: dir });
    execFileSync("git", ["apply", "--check", "patch.diff"], { cwd: dir });
    execFileSync("git", ["apply", "patch.diff"], { cwd: dir });
    expect(readFileSync(join(dir, "svc/api/Dockerfile"), "utf8")).toContain(
      "COPY --from=builder /out/app /out/app",
    );
  });

  it("rewrites in place, skips node_modules, and a second run changes nothing", async () => {
    const s = streams();
    expect(await main([dir], s.io)).toBe(0);
    const text = readFileSync(join(dir, "svc/api/Dockerfile"), "utf8");
    expect(text).toContain("FROM golang:1.19 AS builder");
    expect(readFileSync(join(dir, "node_modules/x/Dockerfile"), "utf8")).toBe(GO);
    expect(readdirSync(join(dir, "svc/api"))).toEqual(["Dockerfile"]); // no temp files left
    const again = streams();
    expect(await main(["--check", dir], again.io)).toBe(0);
    expect(readFileSync(join(dir, "svc/api/Dockerfile"), "utf8")).toBe(text);
  });

  it("--check exits 1 when a file would change and writes nothing", async () => {
    const before = treeHash(dir);
    const s = streams();
    expect(await main(["--check", dir], s.io)).toBe(1);
    expect(s.err()).toContain("would convert");
    expect(treeHash(dir)).toBe(before);
  });

  it("--json reports every file with its decision, reasons, facts, stages and patch", async () => {
    const s = streams();
    expect(await main(["--json", join(dir, "svc")], s.io)).toBe(0);
    const report = JSON.parse(s.out()) as {
      files: {
        path: string;
        decision: string;
        stages: string[];
        patch: string;
        reasons: { code: string }[];
        facts: unknown[];
      }[];
      summary: { converted: number; unchanged: number };
    };
    const api = report.files.find((f) => f.path.endsWith("api/Dockerfile"))!;
    expect(api.decision).toBe("converted");
    expect(api.stages).toEqual(["builder", "runtime"]);
    expect(api.patch).toContain("+COPY --from=builder");
    expect(api.facts.length).toBe(5);
    const web = report.files.find((f) => f.path.endsWith("web.Dockerfile"))!;
    expect(web.decision).toBe("unchanged");
    expect(web.reasons[0]!.code).toBe("nothing-built");
    expect(report.summary).toMatchObject({ converted: 1, unchanged: 1 });
  });

  it("reads each Dockerfile's folder as its build context; --context for stdin; --cache-mounts", async () => {
    const GOMOD =
      'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN go mod download\nRUN CGO_ENABLED=0 go build -o /out/app .\nCMD ["/out/app"]\n';
    mkdirSync(join(dir, "mod"));
    writeFileSync(join(dir, "mod/Dockerfile"), GOMOD);
    writeFileSync(join(dir, "mod/go.mod"), "module a\n\ngo 1.19\n");
    writeFileSync(join(dir, "mod/main.go"), "package main\nfunc main() {}\n");
    const s = streams();
    expect(await main(["--dry-run", join(dir, "mod/Dockerfile")], s.io)).toBe(0);
    expect(s.out()).toContain("-COPY . .\n+COPY go.mod ./\n RUN go mod download\n+COPY . .\n");
    expect(s.err()).toMatch(
      /line 3 moved after line 4: the sources come after the dependency step  \[cache-order\]/,
    );
    // Standard input has no folder: the order stays, and says so, unless --context gives one.
    const piped = streams(GOMOD);
    expect(await main(["-"], piped.io)).toBe(0);
    expect(piped.out()).toContain("COPY . .\nRUN go mod download\n");
    expect(piped.err()).toMatch(
      /build context is not known \(the Dockerfile comes from standard input/,
    );
    const given = streams(GOMOD);
    expect(await main(["--context", join(dir, "mod"), "-"], given.io)).toBe(0);
    expect(given.out()).toContain("COPY go.mod ./\nRUN go mod download\nCOPY . .\n");
    // Go's module cache is where the modules land: no cache mount for it (data/manifests.yaml).
    const mounts = streams();
    expect(
      await main(["--dry-run", "--cache-mounts", join(dir, "mod/Dockerfile")], mounts.io),
    ).toBe(0);
    expect(mounts.out()).not.toContain("--mount");
    const bad = streams();
    expect(await main(["--context", join(dir, "nowhere"), join(dir, "mod")], bad.io)).toBe(2);
  });

  it("reads stdin with - and writes the result on stdout", async () => {
    const s = streams(GO);
    expect(await main(["-"], s.io)).toBe(0);
    expect(s.out()).toContain("FROM golang:1.19 AS builder");
    expect(s.out()).toContain("FROM gcr.io/distroless/static-debian12");
  });

  it("exits 2 when a file errors, and still processes the others", async () => {
    writeFileSync(join(dir, "svc/bad.Dockerfile"), Buffer.from([0x46, 0x00, 0x52]));
    const s = streams();
    expect(await main(["--dry-run", join(dir, "svc"), join(dir, "missing")], s.io)).toBe(2);
    expect(s.err()).toMatch(/error .*bad\.Dockerfile: is binary/);
    expect(s.err()).toMatch(/error .*missing: no such file or directory/);
    expect(s.out()).toContain("+FROM gcr.io/distroless/static-debian12");
  });

  it("refuses to overwrite a read-only file, even as root", async () => {
    const f = join(dir, "svc/api/Dockerfile");
    chmodSync(f, 0o444);
    const s = streams();
    expect(await main([f], s.io)).toBe(2);
    expect(s.err()).toMatch(/is read-only; not overwritten/);
    expect(readFileSync(f, "utf8")).toBe(GO);
  });

  it("rejects bad usage with exit 2", async () => {
    expect(await main([], streams().io)).toBe(2);
    expect(await main(["--no-such-flag", "x"], streams().io)).toBe(2);
    expect(await main(["-", "other"], streams().io)).toBe(2);
  });

  it("--help shows examples; no colour without a TTY or with NO_COLOR", () => {
    const r = spawnSync(process.execPath, [join(repoRoot, "bin/msb-migrate.js"), "--help"], {
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("msb-migrate --dry-run Dockerfile");
    const c = spawnSync(
      process.execPath,
      [join(repoRoot, "bin/msb-migrate.js"), "--check", join(dir, "svc")],
      { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "1" } },
    );
    expect(c.stderr).not.toMatch(/\x1b\[/);
  });

  it("--runtime-image and --builder-name steer the rewrite", async () => {
    const s = streams(GO);
    expect(
      await main(["--runtime-image", "debian:bookworm-slim", "--builder-name", "build", "-"], s.io),
    ).toBe(0);
    expect(s.out()).toContain("FROM golang:1.19 AS build\n");
    expect(s.out()).toContain("FROM debian:bookworm-slim\n");
    expect(s.out()).toContain("COPY --from=build /out/app /out/app");
  });

  it("--config applies mappings and rejects invalid config with a clear error", async () => {
    writeFileSync(join(dir, "cfg.yaml"), 'runtimeImages:\n  "golang:*": "busybox:latest"\n');
    const s = streams(GO);
    expect(await main(["--config", join(dir, "cfg.yaml"), "-"], s.io)).toBe(0);
    expect(s.out()).toContain("FROM busybox:latest");
    writeFileSync(join(dir, "bad.yaml"), "policy:\n  frontendServer: apache\n");
    const b = streams(GO);
    expect(await main(["--config", join(dir, "bad.yaml"), "-"], b.io)).toBe(2);
    expect(b.err()).toMatch(/bad\.yaml: invalid config at policy\.frontendServer/);
  });
});
