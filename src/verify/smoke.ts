import { createHash } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { abortError } from "./exec.js";
import { firstLine, type Docker, type ImageConfig } from "./docker.js";
import { limitArgs, type ContainerLimits } from "./limits.js";

export interface SmokeSpec {
  /** Run these arguments instead of the image's own command. */
  args?: string[];
  /** HTTP path to GET on the exposed port (else a TCP connect is enough). */
  http?: string;
  /** Seconds a command may run, or a server may take to answer (default 30). */
  timeoutSec?: number;
  /** Memory and process bounds of the container (default DEFAULT_LIMITS). */
  limits?: Partial<ContainerLimits>;
}

export interface SmokeResult {
  mode: "command" | "port";
  /** The image did what a healthy program does: exited within the timeout, or answered on its port. */
  ok: boolean;
  /** One line for the table: `exit 0`, `HTTP 200`, `tcp open`, `timeout`, `exited 1`… */
  summary: string;
  exitCode?: number | null;
  stdout?: string;
  timedOut?: boolean;
  containerPort?: string;
  httpStatus?: number;
  bodySha256?: string;
  bodyPreview?: string;
  error?: string;
  /** Last lines of the container log, kept when something went wrong. */
  logs?: string;
  seconds: number;
}

/** Something the caller must remove afterwards; registered before it exists. */
export type Track = (kind: "container", name: string) => void;

export function tcpPorts(config: ImageConfig): string[] {
  return Object.keys(config.ExposedPorts ?? {})
    .filter((p) => p.endsWith("/tcp") || !p.includes("/"))
    .map((p) => p.replace(/\/tcp$/, ""))
    .sort((x, y) => Number(x) - Number(y));
}

/**
 * Runs the image's own command (or `spec.args`); an image that exposes a TCP port is started as a
 * server and probed on one port: the first one its Dockerfile declares (a base image like nginx
 * may expose another that is no longer served), else the lowest.
 */
export async function smokeRun(
  docker: Docker,
  image: string,
  config: ImageConfig,
  spec: SmokeSpec,
  name: string,
  track: Track,
  signal?: AbortSignal,
  declaredPorts: string[] = [],
): Promise<SmokeResult> {
  const ports = tcpPorts(config);
  const declared = declaredPorts
    .filter((p) => p.endsWith("/tcp"))
    .map((p) => p.replace(/\/tcp$/, ""))
    .find((p) => ports.includes(p));
  const port = declared ?? ports[0];
  if (port !== undefined && !spec.args)
    return portSmoke(docker, image, port, spec, name, track, signal);
  return commandSmoke(docker, image, spec, name, track, signal);
}

async function commandSmoke(
  docker: Docker,
  image: string,
  spec: SmokeSpec,
  name: string,
  track: Track,
  signal?: AbortSignal,
): Promise<SmokeResult> {
  const timeoutMs = (spec.timeoutSec ?? 30) * 1000;
  track("container", name);
  const args = ["run", "--name", name, "--network", "none", ...limitArgs(spec.limits)];
  if (spec.args) {
    // --smoke replaces CMD; the ENTRYPOINT (e.g. an entrypoint script) still runs, as with `docker run IMAGE args`.
    args.push(image, ...spec.args);
  } else args.push(image);
  const r = await docker.run(args, { signal, timeoutMs, maxChars: 200_000 });
  if (r.timedOut) await docker.run(["kill", name], { timeoutMs: 15_000 });
  const started = r.code !== 125 && !r.spawnError; // 125: docker itself could not create/start the container
  const summary = r.timedOut
    ? `timeout ${spec.timeoutSec ?? 30}s`
    : started
      ? `exit ${r.code}`
      : "did not start";
  return {
    mode: "command",
    // Still running at the timeout is an observed behaviour too (a worker without EXPOSE).
    ok: started,
    summary,
    exitCode: r.timedOut ? null : r.code,
    stdout: r.stdout,
    timedOut: r.timedOut,
    error: started ? undefined : firstLine(r.stderr),
    logs: r.code === 0 ? undefined : tail(r.stderr),
    seconds: r.seconds,
  };
}

async function portSmoke(
  docker: Docker,
  image: string,
  port: string,
  spec: SmokeSpec,
  name: string,
  track: Track,
  signal?: AbortSignal,
): Promise<SmokeResult> {
  const t0 = performance.now();
  const deadline = Date.now() + (spec.timeoutSec ?? 30) * 1000;
  const base = { mode: "port" as const, containerPort: port };
  const seconds = () => Math.round(performance.now() - t0) / 1000;
  track("container", name);
  // Published on loopback only, on a free port the engine picks.
  const bounds = limitArgs(spec.limits);
  const run = await docker.run(
    ["run", "-d", "--name", name, ...bounds, "-p", `127.0.0.1::${port}`, image],
    {
      signal,
      timeoutMs: 60_000,
    },
  );
  if (run.code !== 0) {
    return {
      ...base,
      ok: false,
      summary: "did not start",
      error: firstLine(run.stderr),
      seconds: seconds(),
    };
  }
  let hostPort: number | null = null;
  let lastError = "no answer";
  while (Date.now() < deadline) {
    if (signal?.aborted) throw abortError();
    const state = await docker.run(
      ["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", name],
      { signal, timeoutMs: 15_000 },
    );
    const [running, code] = state.stdout.trim().split(" ");
    if (running !== "true") {
      const logs = await containerLogs(docker, name);
      return {
        ...base,
        ok: false,
        summary: `exited ${code}`,
        exitCode: Number(code),
        logs,
        seconds: seconds(),
      };
    }
    if (hostPort === null) {
      const p = await docker.run(["port", name, `${port}/tcp`], { signal, timeoutMs: 15_000 });
      const m = /:(\d+)\s*$/m.exec(p.stdout);
      if (m) hostPort = Number(m[1]);
    }
    if (hostPort !== null) {
      if (spec.http !== undefined) {
        const res = await httpGet(hostPort, spec.http).catch((e: Error) => e);
        if (!(res instanceof Error)) {
          return stillUp(docker, name, {
            ...base,
            ok: true,
            summary: `HTTP ${res.status}`,
            httpStatus: res.status,
            bodySha256: createHash("sha256").update(res.body).digest("hex"),
            bodyPreview: res.body.subarray(0, 200).toString("utf8"),
            seconds: seconds(),
          });
        }
        lastError = res.message;
      } else {
        const open = await tcpAnswers(hostPort);
        if (open === true)
          return stillUp(docker, name, {
            ...base,
            ok: true,
            summary: "tcp open",
            seconds: seconds(),
          });
        lastError = open;
      }
    }
    await sleep(250);
  }
  const logs = await containerLogs(docker, name);
  return { ...base, ok: false, summary: "no answer", error: lastError, logs, seconds: seconds() };
}

/** A server must keep running after it answered (one that answers once and crashes is not healthy). */
async function stillUp(docker: Docker, name: string, result: SmokeResult): Promise<SmokeResult> {
  await sleep(1000);
  const state = await docker.run(
    ["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", name],
    {
      timeoutMs: 15_000,
    },
  );
  const [running, code] = state.stdout.trim().split(" ");
  if (running === "true") return result;
  const logs = await containerLogs(docker, name);
  return {
    ...result,
    ok: false,
    summary: `exited ${code} after answering`,
    exitCode: Number(code),
    logs,
  };
}

async function containerLogs(docker: Docker, name: string): Promise<string> {
  const r = await docker.run(["logs", "--tail", "20", name], { timeoutMs: 15_000 });
  return tail(r.stdout + r.stderr);
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function httpGet(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, timeout: 3000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("HTTP timeout")));
    req.on("error", reject);
  });
}

/**
 * True when something listens behind the published port. docker-proxy accepts every connection
 * and closes it at once when nothing listens in the container, so a connection that stays open
 * (or sends a banner) for a moment is the signal, not the bare connect.
 */
function tcpAnswers(port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    let done = false;
    const end = (v: true | string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => end("connect timeout"), 3000);
    sock.on("connect", () => {
      clearTimeout(timer);
      setTimeout(() => end(true), 400);
    });
    sock.on("data", () => end(true));
    sock.on("close", () => end("closed by peer (nothing listening yet)"));
    sock.on("error", (e) => end(e.message));
  });
}

/** Same behaviour: same exit code and stdout, or both answered on their port with the same response. */
export function sameBehaviour(a: SmokeResult, b: SmokeResult): { same: boolean; detail: string } {
  if (!a.ok)
    return { same: false, detail: `original did not pass its own smoke run (${a.summary})` };
  if (!b.ok)
    return { same: false, detail: `converted: ${b.summary}${b.error ? `: ${b.error}` : ""}` };
  if (a.mode === "command") {
    if (a.timedOut || b.timedOut) {
      return a.timedOut && b.timedOut
        ? { same: true, detail: "both still running at the timeout" }
        : { same: false, detail: `${a.summary} → ${b.summary}` };
    }
    if (a.exitCode !== b.exitCode)
      return { same: false, detail: `exit ${a.exitCode} → exit ${b.exitCode}` };
    if (a.stdout !== b.stdout) {
      return {
        same: false,
        detail: `stdout differs: ${JSON.stringify(firstDiff(a.stdout ?? "", b.stdout ?? ""))}`,
      };
    }
    return {
      same: true,
      detail: `exit ${a.exitCode}, same stdout (${(a.stdout ?? "").length} chars)`,
    };
  }
  if (a.httpStatus !== b.httpStatus)
    return { same: false, detail: `HTTP ${a.httpStatus} → HTTP ${b.httpStatus}` };
  if (a.bodySha256 !== b.bodySha256) {
    return {
      same: false,
      detail: `response body differs: ${JSON.stringify(a.bodyPreview)} → ${JSON.stringify(b.bodyPreview)}`,
    };
  }
  return {
    same: true,
    detail:
      a.httpStatus === undefined ? "both answer on their port" : `HTTP ${a.httpStatus}, same body`,
  };
}

function firstDiff(a: string, b: string): { line: number; original: string; converted: string } {
  const la = a.split("\n");
  const lb = b.split("\n");
  let i = 0;
  while (i < la.length && la[i] === lb[i]) i++;
  return { line: i + 1, original: la[i] ?? "(end)", converted: lb[i] ?? "(end)" };
}
