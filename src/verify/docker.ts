import pLimit from "p-limit";
import { execArgs, type ExecOptions, type ExecResult } from "./exec.js";

export const DEFAULT_DOCKER = "/usr/bin/docker";

/** `--docker PATH`, else `$DOCKER`, else Debian's client (it has BuildKit built in). */
export function resolveDockerPath(explicit?: string): string {
  return explicit || process.env.DOCKER || DEFAULT_DOCKER;
}

export type EngineProbe =
  { ok: true; docker: string; version: string } | { ok: false; docker: string; reason: string };

/** The client binary plus the environment every call gets (BuildKit on, never a registry pull). */
export class Docker {
  readonly env: NodeJS.ProcessEnv;
  constructor(readonly path: string) {
    this.env = { ...process.env, DOCKER_BUILDKIT: "1" };
  }

  run(args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return execArgs(this.path, args, { env: this.env, ...opts });
  }

  /** Asks the daemon for its version; the reason names the binary and the daemon error when it fails. */
  async probe(timeoutMs = 15_000): Promise<EngineProbe> {
    const r = await this.run(["version", "--format", "{{.Server.Version}}"], { timeoutMs });
    const where = process.env.DOCKER_HOST ? ` (DOCKER_HOST=${process.env.DOCKER_HOST})` : "";
    if (r.spawnError) {
      const why = r.spawnError.code === "ENOENT" ? "not found" : r.spawnError.message;
      return {
        ok: false,
        docker: this.path,
        reason: `no container engine: tried ${this.path}: ${why} (set --docker PATH or $DOCKER; scripts/engine-setup.sh installs one)`,
      };
    }
    const version = r.stdout.trim();
    if (r.code !== 0 || !version) {
      const line = firstLine(r.stderr) || (r.timedOut ? "timed out" : `exit ${r.code}`);
      return {
        ok: false,
        docker: this.path,
        reason: `no container engine answers: tried ${this.path}${where}: ${line} (run scripts/engine-setup.sh)`,
      };
    }
    return { ok: true, docker: this.path, version };
  }

  /** The images of `refs` the engine does not have locally (builds never pull: they would fail). */
  async missingImages(refs: string[], timeoutMs = 30_000): Promise<string[]> {
    const unique = [...new Set(refs)];
    const limit = pLimit(8);
    const have = await Promise.all(
      unique.map((ref) =>
        limit(
          async () =>
            (await this.run(["image", "inspect", "--format", "{{.Id}}", ref], { timeoutMs }))
              .code === 0,
        ),
      ),
    );
    return unique.filter((_, i) => !have[i]);
  }
}

export function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? ""
  );
}

export interface BuildOutcome {
  ok: boolean;
  seconds: number;
  /** The engine's own error lines when the build failed (BuildKit's failing step and message). */
  errorLines: string[];
}

export interface BuildRequest {
  file: string;
  context: string;
  tag: string;
  target?: string;
  noCache?: boolean;
}

export async function buildImage(
  docker: Docker,
  req: BuildRequest,
  signal?: AbortSignal,
): Promise<BuildOutcome> {
  // No --pull: FROM must resolve to local images (there is no registry to pull from).
  const args = ["build", "--progress=plain", "-f", req.file, "-t", req.tag];
  if (req.target) args.push("--target", req.target);
  if (req.noCache) args.push("--no-cache");
  args.push(req.context);
  const r = await docker.run(args, { signal, maxChars: 400_000 });
  if (r.code === 0) return { ok: true, seconds: r.seconds, errorLines: [] };
  const lines = r.spawnError ? [r.spawnError.message] : buildErrorLines(r.stderr + r.stdout);
  return { ok: false, seconds: r.seconds, errorLines: lines };
}

/**
 * Picks the lines a person needs from a failed BuildKit plain log: the failing step's name, the
 * last lines it printed and its error; else the final error lines (e.g. a missing base image).
 */
export function buildErrorLines(log: string, maxOutput = 15): string[] {
  const lines = log.split("\n").map((l) => l.trimEnd());
  const errorLine = lines.filter((l) => /^#\d+ ERROR: /.test(l)).at(-1);
  if (errorLine) {
    const id = errorLine.slice(0, errorLine.indexOf(" "));
    const header = lines.find((l) => l.startsWith(`${id} [`) || l.startsWith(`${id} RUN`));
    const output = lines
      .filter((l) => new RegExp(`^${id} \\d+\\.\\d+ `).test(l))
      .map((l) => l.replace(/^#\d+ \d+\.\d+ /, ""))
      .slice(-maxOutput);
    return [
      ...(header ? [`step ${header.slice(id.length + 1)}`] : []),
      ...output.map((l) => `| ${l}`),
      errorLine.slice(id.length + 1),
    ];
  }
  const errors = lines.filter((l) =>
    /^(#\d+ )?(ERROR|error|failed to solve|Error response)/.test(l),
  );
  if (errors.length > 0) return errors.slice(-5);
  return lines.filter((l) => l.length > 0).slice(-10);
}

/** The parts of `docker image inspect` we compare. */
export interface ImageConfig {
  Env: string[] | null;
  WorkingDir: string;
  User: string;
  ExposedPorts: Record<string, object> | null;
  Entrypoint: string[] | null;
  Cmd: string[] | null;
  Volumes: Record<string, object> | null;
  Labels: Record<string, string> | null;
  Healthcheck: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number } | null;
  StopSignal: string;
}

export interface ImageFacts {
  id: string;
  size: number;
  layers: number;
  config: ImageConfig;
}

interface RawInspect {
  Id: string;
  Size: number;
  RootFS?: { Layers?: string[] };
  Config?: Partial<ImageConfig>;
}

export async function inspectImage(
  docker: Docker,
  ref: string,
  signal?: AbortSignal,
): Promise<ImageFacts | null> {
  const r = await docker.run(["image", "inspect", ref], { signal, timeoutMs: 30_000 });
  if (r.code !== 0) return null;
  const [raw] = JSON.parse(r.stdout) as RawInspect[];
  if (!raw) return null;
  const c = raw.Config ?? {};
  return {
    id: raw.Id,
    size: raw.Size,
    layers: raw.RootFS?.Layers?.length ?? 0,
    config: {
      Env: c.Env ?? null,
      WorkingDir: c.WorkingDir ?? "",
      User: c.User ?? "",
      ExposedPorts: c.ExposedPorts ?? null,
      Entrypoint: c.Entrypoint ?? null,
      Cmd: c.Cmd ?? null,
      Volumes: c.Volumes ?? null,
      Labels: c.Labels ?? null,
      Healthcheck: c.Healthcheck ?? null,
      StopSignal: c.StopSignal ?? "",
    },
  };
}
