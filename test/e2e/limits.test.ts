// The bounds on the containers `verify` starts (the images come from repositories the user may
// not control): the flags, and (with an engine) what `docker inspect` shows of both smoke runs.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildProgram, main } from "../../src/cli/main.js";
import {
  DEFAULT_LIMITS,
  limitArgs,
  resolveDockerPath,
  verifyDockerfile,
} from "../../src/verify/index.js";
import { engineReadiness } from "./engine.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const goCli = `${root}fixtures/e2e-go-cli`;

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const sink = (add: (s: string) => void) =>
    new Writable({ write: (c, _e, cb) => (add(String(c)), cb()) });
  const code = await main(argv, {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    stdin: process.stdin,
  });
  return { code, out, err };
}

describe("verify's container bounds", () => {
  it("bounds memory (no swap), processes and privileges by default, and takes overrides", () => {
    expect(limitArgs()).toEqual([
      "--memory",
      DEFAULT_LIMITS.memory,
      "--memory-swap",
      DEFAULT_LIMITS.memory,
      "--pids-limit",
      String(DEFAULT_LIMITS.pids),
      "--security-opt",
      "no-new-privileges",
    ]);
    expect(limitArgs({ memory: "1g", pids: 64 })).toEqual([
      "--memory",
      "1g",
      "--memory-swap",
      "1g",
      "--pids-limit",
      "64",
      "--security-opt",
      "no-new-privileges",
    ]);
  });

  it("documents --memory and --pids (verify) and --verify-memory and --verify-pids (pr)", async () => {
    const verify = await cli(["verify", "--help"]);
    expect(verify.out).toMatch(/--memory <size>/);
    expect(verify.out).toMatch(/--pids <n>/);
    const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
    const pr = buildProgram(io, () => {}).commands.find((c) => c.name() === "pr")!;
    expect(pr.helpInformation()).toMatch(/--verify-memory <size>[\s\S]*--verify-pids <n>/);
  });

  it("refuses sizes and counts docker would not take, before building anything", async () => {
    const bad = await cli(["verify", `${goCli}/Dockerfile`, "--memory", "lots"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--memory <size>' argument 'lots' is invalid\. expected a size/);
    const pids = await cli(["verify", `${goCli}/Dockerfile`, "--pids", "0"]);
    expect(pids.code).toBe(2);
    expect(pids.err).toMatch(/expected a whole number > 0/);
    const pr = await cli(["pr", "--repos", ".", "--verify", "--verify-memory", "-1g"]);
    expect(pr.code).toBe(2);
  });
});

// Skipped without a word here: real-build.test.ts prints the one line saying what to do.
const probe = await engineReadiness();

interface HostConfig {
  Memory: number;
  MemorySwap: number;
  PidsLimit: number;
  SecurityOpt: string[] | null;
}

describe.skipIf(!probe.ok)("verify's containers on a real engine", () => {
  it(
    "docker inspect shows the same bounds on the original's and the converted image's container",
    { timeout: 300_000 },
    async () => {
      const docker = resolveDockerPath();
      const seen = new Map<string, HostConfig>();
      // After the converted image's smoke run both containers exist (they are removed at the
      // end): read them then, synchronously, before the run goes on to clean up.
      const inspectNow = () => {
        const names = execFileSync(
          docker,
          ["ps", "-a", "--filter", `name=msb-verify-${process.pid}-`, "--format", "{{.Names}}"],
          { encoding: "utf8" },
        )
          .split("\n")
          .filter(Boolean);
        for (const name of names) {
          const out = execFileSync(docker, ["inspect", "--format", "{{json .HostConfig}}", name], {
            encoding: "utf8",
          });
          seen.set(name.replace(/^.*-/, ""), JSON.parse(out) as HostConfig);
        }
      };
      const report = await verifyDockerfile({
        dockerfile: `${goCli}/Dockerfile`,
        context: `${goCli}/context`,
        convertedText: readFileSync(`${root}test/e2e/converted/e2e-go-cli.Dockerfile`, "utf8"),
        smoke: { limits: { memory: "300m", pids: 100 } },
        log: (line) => {
          if (line.startsWith("  converted: ")) inspectNow();
        },
      });
      expect(report.verdict, report.errors.join("\n")).toBe("verified");
      expect(report.limits).toEqual({ memory: "300m", pids: 100 });
      expect([...seen.keys()].sort()).toEqual(["converted", "original"]);
      for (const [side, host] of seen) {
        expect(host.Memory, side).toBe(300 * 1024 * 1024);
        expect(host.MemorySwap, side).toBe(300 * 1024 * 1024);
        expect(host.PidsLimit, side).toBe(100);
        expect(host.SecurityOpt, side).toContain("no-new-privileges");
      }
    },
  );
});
