// The verify machinery on its own: pure helpers, the CLI's error paths, and (with an engine) real
// builds of hand-written conversions, so a broken verifier cannot hide behind the converter.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { registerVerify } from "../../src/cli/commands/verify.js";
import { compareConfigs } from "../../src/verify/compare.js";
import { buildErrorLines, type ImageConfig } from "../../src/verify/docker.js";
import { readStages, shellWords } from "../../src/verify/dockerfile-info.js";
import { Docker, resolveDockerPath, verifyDockerfile } from "../../src/verify/index.js";
import { sameBehaviour, type SmokeResult } from "../../src/verify/smoke.js";
import type { RuntimePlan } from "../../src/types.js";
import { engineReadiness } from "./engine.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const goCli = `${root}fixtures/e2e-go-cli`;
const converted = (name: string) => readFileSync(`${root}test/e2e/converted/${name}`, "utf8");

const config = (over: Partial<ImageConfig> = {}): ImageConfig => ({
  Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  WorkingDir: "",
  User: "",
  ExposedPorts: null,
  Entrypoint: null,
  Cmd: ["app"],
  Volumes: null,
  Labels: null,
  Healthcheck: null,
  StopSignal: "",
  ...over,
});

describe("shellWords", () => {
  it("splits like a shell: quotes and backslashes", () => {
    expect(shellWords(`a "b c" 'd e' f\\ g  "x\\"y"`)).toEqual(["a", "b c", "d e", "f g", 'x"y']);
    expect(shellWords("")).toEqual([]);
    expect(() => shellWords(`"open`)).toThrow(/unterminated/);
  });
});

describe("readStages", () => {
  it("finds stage names and what the final stage declares", () => {
    const stages = readStages(
      "FROM golang:1.19 AS builder\nENV CGO_ENABLED=0 \\\n    GOOS=linux\n# ENV NOT_THIS=1\nRUN go build\n\n" +
        'from gcr.io/distroless/static-debian12\nENV APP_MODE prod\nLABEL a=1 "b"=2\nCMD ["app"]\n',
    );
    expect(stages.map((s) => [s.from, s.name])).toEqual([
      ["golang:1.19", "builder"],
      ["gcr.io/distroless/static-debian12", null],
    ]);
    expect(stages[0]!.envNames).toEqual(["CGO_ENABLED", "GOOS"]);
    expect(stages[1]!.envNames).toEqual(["APP_MODE"]);
    expect(stages[1]!.labelNames).toEqual(["a", "b"]);
    expect([...stages[1]!.keywords]).toEqual(["ENV", "LABEL", "CMD"]);
    expect(readStages("FROM nginx\nEXPOSE 80 53/UDP\n")[0]!.exposed).toEqual(["80/tcp", "53/udp"]);
  });
});

describe("buildErrorLines", () => {
  it("keeps the failing step, its output and its error", () => {
    const log = [
      "#4 [2/3] RUN make",
      "#4 sha256:0513",
      "#4 0.294 cc -o app app.c",
      "#4 0.301 app.c:3: error: undeclared foo",
      "#4 ERROR: executor failed running [/bin/sh -c make]: exit code: 2",
      "------",
      " > [2/3] RUN make:",
      "------",
      "executor failed running [/bin/sh -c make]: exit code: 2",
    ].join("\n");
    expect(buildErrorLines(log)).toEqual([
      "step [2/3] RUN make",
      "| cc -o app app.c",
      "| app.c:3: error: undeclared foo",
      "ERROR: executor failed running [/bin/sh -c make]: exit code: 2",
    ]);
  });
  it("falls back to the error lines (e.g. a base image that is not there)", () => {
    expect(buildErrorLines("#1 load\nerror: failed to solve: nosuch:1: not found\n")).toEqual([
      "error: failed to solve: nosuch:1: not found",
    ]);
  });
});

describe("compareConfigs", () => {
  const stages = (text: string) => readStages(text);
  const original = stages('FROM golang:1.19\nENV CGO_ENABLED=0 APP=1\nWORKDIR /app\nCMD ["app"]\n');
  const conv = stages(
    'FROM golang:1.19 AS builder\nENV CGO_ENABLED=0\nFROM scratch\nENV APP=1\nWORKDIR /app\nCMD ["app"]\n',
  );
  const input = (
    a: Partial<ImageConfig>,
    b: Partial<ImageConfig>,
    plan: RuntimePlan | null = null,
  ) => ({
    original: config(a),
    converted: config(b),
    originalStage: original.at(-1)!,
    convertedStages: conv,
    baseEnv: ["PATH=/usr/local/go/bin:/usr/bin:/bin"],
    plan,
  });

  it("accepts inherited toolchain env and build-only env kept in the builder", () => {
    const check = compareConfigs(
      input(
        { Env: ["GOLANG_VERSION=1.19", "CGO_ENABLED=0", "APP=1"], WorkingDir: "/app" },
        { Env: ["APP=1"], WorkingDir: "/app" },
      ),
    );
    expect(check.ok).toBe(true);
    const status = Object.fromEntries(check.items.map((i) => [i.field, i.status]));
    expect(status).toMatchObject({
      "Env.GOLANG_VERSION": "changed",
      "Env.CGO_ENABLED": "dropped",
      "Env.APP": "same",
      WorkingDir: "same",
    });
  });

  it("fails on a declared field that changed or a declared env that is gone", () => {
    const check = compareConfigs(
      input(
        { Env: ["APP=1"], WorkingDir: "/app", Cmd: ["app"] },
        { Env: [], WorkingDir: "/", Cmd: ["app"] },
      ),
    );
    expect(check.ok).toBe(false);
    expect(
      check.items.filter((i) => !["same", "changed"].includes(i.status)).map((i) => i.field),
    ).toEqual(["Env.APP", "WorkingDir"]);
  });

  it("accepts a change the plan declares, and inherited fields, as information", () => {
    const plan = {
      declaredChanges: [{ field: "Cmd", from: "app", to: "nginx", why: "served by nginx" }],
    };
    const check = compareConfigs(
      input(
        { Env: ["APP=1"], WorkingDir: "/app", StopSignal: "" },
        { Env: ["APP=1"], WorkingDir: "/app", Cmd: ["nginx"], StopSignal: "SIGQUIT" },
        plan as unknown as RuntimePlan,
      ),
    );
    expect(check.ok).toBe(true);
    expect(check.items.find((i) => i.field === "Cmd")).toMatchObject({ status: "changed" });
    expect(check.items.find((i) => i.field === "StopSignal")?.detail).toMatch(/inherited/);
  });

  it("treats ports as a set: lost declared ports fail, ports inherited from the runtime base do not", () => {
    const orig = readStages("FROM node:18\nEXPOSE 3000\n").at(-1)!;
    const run = (convText: string, ports: string[]) =>
      compareConfigs({
        ...input({}, {}),
        originalStage: orig,
        convertedStages: readStages(convText),
        original: config({ ExposedPorts: { "3000/tcp": {} } }),
        converted: config({ ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])) }),
      }).items.find((i) => i.field === "ExposedPorts");
    expect(run("FROM nginx\nEXPOSE 3000\n", ["3000/tcp", "80/tcp"])?.status).toBe("changed");
    expect(run("FROM nginx\nEXPOSE 80\n", ["80/tcp"])).toMatchObject({
      status: "differs",
      detail: "lost 3000/tcp",
    });
    expect(run("FROM x\nEXPOSE 3000 9090/tcp\n", ["3000/tcp", "9090/tcp"])?.status).toBe("differs");
  });

  it("requires declared labels, and reports inherited ones as information", () => {
    const labelled = readStages(
      'FROM golang:1.19\nLABEL org.opencontainers.image.title="app"\n',
    ).at(-1)!;
    const check = compareConfigs({
      ...input({}, {}),
      originalStage: labelled,
      original: config({
        Labels: { "org.opencontainers.image.title": "app", maintainer: "golang" },
      }),
      converted: config({ Labels: {} }),
    });
    expect(check.ok).toBe(false);
    expect(check.items.filter((i) => i.field.startsWith("Labels."))).toEqual([
      { field: "Labels.org.opencontainers.image.title", status: "missing", detail: "app" },
      {
        field: "Labels.maintainer",
        status: "changed",
        detail: "golang → (unset) (inherited, not declared)",
      },
    ]);
  });

  it("checks only the PATH entries the file added", () => {
    const withPath = readStages("FROM golang:1.19\nENV PATH=/app/bin:$PATH\n").at(-1)!;
    const run = (after: string) =>
      compareConfigs({
        ...input({}, {}),
        originalStage: withPath,
        original: config({ Env: ["PATH=/app/bin:/usr/local/go/bin:/usr/bin:/bin"] }),
        converted: config({ Env: [`PATH=${after}`] }),
      });
    expect(run("/app/bin:/usr/bin:/bin").ok).toBe(true);
    expect(run("/usr/bin:/bin").items.find((i) => i.field === "Env.PATH")).toMatchObject({
      status: "differs",
      detail: "entries lost: /app/bin",
    });
  });
});

describe("sameBehaviour", () => {
  const cmd = (exitCode: number, stdout: string): SmokeResult => ({
    mode: "command",
    ok: true,
    summary: `exit ${exitCode}`,
    exitCode,
    stdout,
    seconds: 0,
  });
  it("compares exit code and stdout", () => {
    expect(sameBehaviour(cmd(0, "a\nb\n"), cmd(0, "a\nb\n")).same).toBe(true);
    expect(sameBehaviour(cmd(0, "a\nb\n"), cmd(0, "a\nc\n"))).toEqual({
      same: false,
      detail: 'stdout differs: {"line":2,"original":"b","converted":"c"}',
    });
    expect(sameBehaviour(cmd(0, ""), cmd(127, "")).detail).toBe("exit 0 → exit 127");
    const running: SmokeResult = {
      ...cmd(0, ""),
      exitCode: null,
      timedOut: true,
      summary: "timeout 30s",
    };
    expect(sameBehaviour(running, running).same).toBe(true);
    expect(sameBehaviour(running, cmd(1, ""))).toEqual({
      same: false,
      detail: "timeout 30s → exit 1",
    });
  });
  it("compares HTTP answers, and a converted image that never answered", () => {
    const http = (status: number, sha: string): SmokeResult => ({
      mode: "port",
      ok: true,
      summary: `HTTP ${status}`,
      httpStatus: status,
      bodySha256: sha,
      seconds: 0,
    });
    expect(sameBehaviour(http(200, "x"), http(200, "x")).same).toBe(true);
    expect(sameBehaviour(http(200, "x"), http(404, "x")).same).toBe(false);
    expect(sameBehaviour(http(200, "x"), http(200, "y")).same).toBe(false);
    const dead: SmokeResult = { mode: "port", ok: false, summary: "exited 1", seconds: 0 };
    expect(sameBehaviour(http(200, "x"), dead)).toEqual({
      same: false,
      detail: "converted: exited 1",
    });
  });
});

describe("msb-migrate verify (CLI)", () => {
  const runCli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: new Writable({ write: (c, _e, cb) => (out.push(String(c)), cb()) }),
      stderr: new Writable({ write: (c, _e, cb) => (err.push(String(c)), cb()) }),
      stdin: process.stdin,
    };
    let code: number | undefined;
    const program = new Command("msb-migrate").exitOverride();
    registerVerify(program, io, (c) => (code = c));
    await program.parseAsync(["verify", ...args], { from: "user" });
    return { code, stdout: out.join(""), stderr: err.join("") };
  };

  it("exits 2 with one line naming the docker it tried when no engine answers", async () => {
    const r = await runCli([
      `${goCli}/Dockerfile`,
      "--converted",
      `${root}test/e2e/converted/e2e-go-cli.Dockerfile`,
      "--docker",
      "/nonexistent/docker",
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "msb-migrate verify: no container engine: tried /nonexistent/docker: not found " +
        "(set --docker PATH or $DOCKER; scripts/engine-setup.sh installs one)\n",
    );
  });

  it("exits 2 when the input file cannot be read", async () => {
    const r = await runCli([`${root}fixtures/nope/Dockerfile`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^msb-migrate verify: ENOENT/);
  });

  it("is reachable from the msb-migrate CLI", async () => {
    const out: string[] = [];
    const io = {
      stdout: new Writable({ write: (c, _e, cb) => (out.push(String(c)), cb()) }),
      stderr: new Writable({ write: (_c, _e, cb) => cb() }),
      stdin: process.stdin,
    };
    expect(await main(["verify", "--help"], io)).toBe(0);
    expect(out.join("")).toMatch(/Usage: msb-migrate verify \[options\] <Dockerfile>/);
  });
});

// Skipped without a word here: real-build.test.ts prints the one line saying what to do.
const probe = await engineReadiness();

describe.skipIf(!probe.ok)(
  `verifyDockerfile with a real engine${probe.ok ? "" : ` [skipped: ${probe.reason}]`}`,
  () => {
    const docker = new Docker(resolveDockerPath());
    const leftovers = async (runId: string) => {
      const ps = await docker.run(["ps", "-a", "--filter", `name=${runId}`, "-q"]);
      const images = await docker.run(["images", "-q", runId]);
      return (ps.stdout + images.stdout).trim();
    };

    it(
      "verifies a correct hand-written conversion and cleans up",
      { timeout: 300_000 },
      async () => {
        const r = await verifyDockerfile({
          dockerfile: `${goCli}/Dockerfile`,
          context: `${goCli}/context`,
          convertedText: converted("e2e-go-cli.Dockerfile"),
        });
        expect(r.errors).toEqual([]);
        expect(r).toMatchObject({
          verdict: "verified",
          exitCode: 0,
          decision: "given",
          builderStage: "builder",
        });
        expect(r.converted!.image!.size).toBeLessThan(r.original!.image!.size);
        expect(r.original!.smoke).toMatchObject({ mode: "command", exitCode: 0 });
        expect(r.original!.smoke!.stdout).toMatch(/^the\s+6\ndog\s+3\n/);
        expect(r.builder?.ok).toBe(true);
        expect(await leftovers(r.runId)).toBe("");
      },
    );

    it("reports a conversion that behaves differently (exit 1)", { timeout: 300_000 }, async () => {
      const r = await verifyDockerfile({
        dockerfile: `${goCli}/Dockerfile`,
        context: `${goCli}/context`,
        convertedText: converted("e2e-go-cli.wrong-cmd.Dockerfile"),
      });
      expect(r).toMatchObject({ verdict: "differs", exitCode: 1 });
      expect(r.behaviour?.same).toBe(false);
      expect(r.errors).toContain(
        'contract: Cmd differs: ["wordfreq","-top","5"] → ["wordfreq","-top","3"]',
      );
      expect(await leftovers(r.runId)).toBe("");
    });

    it(
      "catches a server that cannot start in the runtime image (cgo binary on distroless/static)",
      { timeout: 300_000 },
      async () => {
        const goHttp = `${root}fixtures/e2e-go-http`;
        const r = await verifyDockerfile({
          dockerfile: `${goHttp}/Dockerfile`,
          context: `${goHttp}/context`,
          convertedText: converted("e2e-go-http.cgo-on-distroless.Dockerfile"),
          smoke: { http: "/" },
        });
        expect(r).toMatchObject({ verdict: "differs", exitCode: 1 });
        expect(r.original!.smoke).toMatchObject({ mode: "port", ok: true, httpStatus: 200 });
        expect(r.converted!.smoke).toMatchObject({ mode: "port", ok: false, summary: "exited 1" });
        expect(r.converted!.smoke!.logs).toMatch(/exec \/app\/server: no such file or directory/);
        expect(await leftovers(r.runId)).toBe("");
      },
    );

    // A program built on Debian 13 (glibc 2.41) put on a Debian 12 runtime (2.36): what every
    // conversion of a floating trixie tag did before the release table.
    const rustTrixie = `${root}fixtures/e2e-rust-trixie`;
    it(
      "catches a program that cannot start on an older C library (trixie build, bookworm distroless)",
      { timeout: 300_000 },
      async () => {
        const r = await verifyDockerfile({
          dockerfile: `${rustTrixie}/Dockerfile`,
          context: `${rustTrixie}/context`,
          convertOptions: { runtimeImage: "gcr.io/distroless/cc-debian12" },
        });
        expect(r).toMatchObject({ verdict: "differs", exitCode: 1 });
        expect(r.original!.smoke).toMatchObject({ ok: true });
        expect(r.converted!.smoke!.logs).toMatch(/version `GLIBC_2\.\d+' not found/);
        expect(await leftovers(r.runId)).toBe("");
      },
    );

    it(
      "the runtime stage's link check fails the build on an older C library with a shell (trixie build, bookworm-slim)",
      { timeout: 300_000 },
      async () => {
        const r = await verifyDockerfile({
          dockerfile: `${rustTrixie}/Dockerfile`,
          context: `${rustTrixie}/context`,
          convertOptions: { runtimeImage: "debian:bookworm-slim" },
        });
        expect(r).toMatchObject({ verdict: "error", exitCode: 2 });
        expect(r.errors[0]).toBe("the converted Dockerfile does not build:");
        expect(r.errors.join("\n")).toMatch(/GLIBC_2\.\d+' not found/);
        expect(r.errors.join("\n")).toMatch(
          /needs a library or C library version this image lacks/,
        );
        expect(await leftovers(r.runId)).toBe("");
      },
    );

    it(
      "cannot verify a conversion whose builder fails (exit 2, engine lines)",
      { timeout: 300_000 },
      async () => {
        const r = await verifyDockerfile({
          dockerfile: `${goCli}/Dockerfile`,
          context: `${goCli}/context`,
          convertedText: converted("e2e-go-cli.broken.Dockerfile"),
        });
        expect(r).toMatchObject({ verdict: "error", exitCode: 2 });
        expect(r.errors[0]).toBe("the converted Dockerfile does not build:");
        expect(r.errors.join("\n")).toMatch(/RUN go build .*does-not-exist/);
        expect(await leftovers(r.runId)).toBe("");
      },
    );
  },
);
