// The CI entry points as CI runs them: action.yml's run steps in bash with the inputs in their
// environment (the runner's $GITHUB_STEP_SUMMARY and $GITHUB_OUTPUT files), and the pre-commit
// hook's entry on the staged Dockerfiles pre-commit would pass it.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isDockerfileName } from "../src/bulk/index.js";
import { repoRoot } from "./helpers.js";
import { tempDir } from "./tmp.js";

const GO =
  'FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\nCMD ["/out/app"]\n';
const NOTHING = "FROM nginx:1.22\nCOPY site/ /usr/share/nginx/html/\n";

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  "working-directory"?: string;
}
interface Action {
  runs: { using: string; steps: Step[] };
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { value: string }>;
}

const action = parse(readFileSync(path.join(repoRoot, "action.yml"), "utf8")) as Action;

/** `${{ … }}` as the runner fills it: inputs (or their defaults) and the action's own path. */
function expand(text: string, inputs: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expr);
    if (input) {
      const name = input[1]!;
      expect(action.inputs, `undeclared input ${name}`).toHaveProperty(name);
      return inputs[name] ?? action.inputs[name]!.default ?? "";
    }
    if (expr === "github.action_path") return repoRoot.replace(/\/$/, "");
    throw new Error(`the test does not know the expression ${expr}`);
  });
}

function workspace(files: Record<string, string>): string {
  const dir = tempDir("msb-action-");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/**
 * Runs the action's bash steps as the runner would (bash --noprofile --norc -eo pipefail), in the
 * workspace. The install step (npm ci in the action's folder) is checked, not run: this checkout
 * is installed already, and a production-only install would take its test tools away.
 */
function runAction(ws: string, inputs: Record<string, string>) {
  const runner = tempDir("msb-runner-");
  const summary = path.join(runner, "summary.md");
  const output = path.join(runner, "output.txt");
  writeFileSync(summary, "");
  writeFileSync(output, "");
  let last = { status: 0 as number | null, stdout: "", stderr: "" };
  for (const step of action.runs.steps) {
    if (step.uses) continue;
    expect(step.shell).toBe("bash");
    if (step.name === "Install msb-migrate") {
      expect(step.run!.trim()).toBe("npm ci --omit=dev --no-audit --no-fund");
      expect(expand(step["working-directory"]!, inputs)).toBe(repoRoot.replace(/\/$/, ""));
      continue;
    }
    const script = path.join(runner, `${step.id}.sh`);
    writeFileSync(script, expand(step.run!, inputs));
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), inputs)]),
    );
    last = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
      cwd: ws,
      encoding: "utf8",
      env: {
        ...process.env,
        ...env,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_OUTPUT: output,
        RUNNER_TEMP: runner,
        NO_COLOR: "1",
      },
    });
    if (last.status !== 0) break;
  }
  const outputs = Object.fromEntries(
    readFileSync(output, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  return { ...last, summary: readFileSync(summary, "utf8"), outputs };
}

describe("action.yml (GitHub Action)", () => {
  it("is a composite action whose outputs come from its steps", () => {
    expect(action.runs.using).toBe("composite");
    for (const input of Object.values(action.inputs)) expect(input.description).toBeTruthy();
    const ids = action.runs.steps.map((s) => s.id).filter(Boolean);
    for (const o of Object.values(action.outputs))
      expect(ids).toContain(/steps\.([\w-]+)\.outputs/.exec(o.value)![1]);
  });

  it("check: fails when a Dockerfile would change, with the patch and the decisions in the job summary", () => {
    const ws = workspace({
      "api/Dockerfile": GO,
      "worker/Dockerfile": GO,
      "web/Dockerfile": NOTHING,
      "legacy/Dockerfile": GO,
    });
    // The options are read as a shell would: the quotes go, the glob stays unexpanded.
    const r = runAction(ws, { args: "--exclude 'legacy/**'" });
    expect(r.status, r.stderr).toBe(1);
    expect(r.outputs["would-change"]).toBe("2");
    expect(r.summary).toContain("**2 Dockerfile(s) would become multi-stage builds.**");
    expect(r.summary).toContain("+FROM golang:1.19 AS builder");
    expect(r.summary).toContain("`````diff\ndiff --git a/api/Dockerfile b/api/Dockerfile");
    // Decisions: which line was judged what.
    expect(r.summary).toMatch(
      /go build step: CGO_ENABLED=0 go build -o \/out\/app \. → builder only/,
    );
    expect(r.summary).toMatch(/\| files \| converted \| unchanged \| skipped \| errors \|/);
    expect(r.summary).toContain("| web/Dockerfile |");
    expect(r.summary).not.toContain("legacy/Dockerfile");
    expect(r.stdout + r.stderr).toContain("::notice::msb-migrate: 2 Dockerfile(s)");
    // Nothing written.
    expect(readFileSync(path.join(ws, "api/Dockerfile"), "utf8")).toBe(GO);
  });

  it("check: passes when nothing would change", () => {
    const ws = workspace({ "web/Dockerfile": NOTHING, Dockerfile: GO });
    const r = runAction(ws, { paths: "web" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs["would-change"]).toBe("0");
    expect(r.summary).toContain("No Dockerfile would change.");
    expect(r.summary).not.toContain("Patch");
  });

  it("sarif: writes the SARIF file for upload and does not fail on changes", () => {
    const ws = workspace({ "svc/a/Dockerfile": GO, "svc/b/Dockerfile": GO });
    // Paths on several lines, as a YAML block gives them.
    const r = runAction(ws, {
      format: "sarif",
      "sarif-file": "out/msb.sarif",
      paths: "svc/a\nsvc/b\n",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs["sarif-file"]).toBe("out/msb.sarif");
    const log = JSON.parse(readFileSync(path.join(ws, "out/msb.sarif"), "utf8"));
    expect(
      log.runs[0].results.map(
        (x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
          x.locations[0]!.physicalLocation.artifactLocation.uri,
      ),
    ).toEqual(["svc/a/Dockerfile", "svc/b/Dockerfile"]);
    expect(r.summary).toContain("**2 Dockerfile(s) would become multi-stage builds.**");
  });

  it("refuses an unknown format", () => {
    const r = runAction(workspace({ Dockerfile: GO }), { format: "xml" });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain("::error::msb-migrate: format must be check or sarif, not 'xml'");
  });
});

interface Hook {
  id: string;
  entry: string;
  language: string;
  files: string;
  exclude: string;
}

describe(".pre-commit-hooks.yaml", () => {
  const hooks = parse(
    readFileSync(path.join(repoRoot, ".pre-commit-hooks.yaml"), "utf8"),
  ) as Hook[];
  const hook = hooks.find((h) => h.id === "msb-migrate")!;
  // pre-commit matches `files` and `exclude` with Python's re.search; these patterns read the same in JS.
  const picks = (file: string) =>
    new RegExp(hook.files).test(file) && !new RegExp(hook.exclude).test(file);

  it("picks the files the CLI's walker picks", () => {
    expect(hook.language).toBe("node");
    const names = [
      "Dockerfile",
      "Dockerfile.prod",
      "Dockerfile.",
      "api.Dockerfile",
      "web.dockerfile",
      "Containerfile",
      ".Dockerfile",
      "Dockerfile-old",
      "Dockerfiles",
      "notes.md",
      "Containerfile.x",
      ".msb-tmp-1.Dockerfile",
      "docker-compose.yml",
    ];
    for (const name of names) {
      expect(picks(name), name).toBe(isDockerfileName(name));
      expect(picks(`services/api/${name}`), `services/api/${name}`).toBe(isDockerfileName(name));
    }
    expect(picks("Dockerfile.d/notes.md")).toBe(false);
  });

  it("its entry, run as pre-commit runs it on the staged files, fails on a convertible one", () => {
    const ws = workspace({ "api/Dockerfile": GO, "web/Dockerfile": NOTHING, "README.md": "hi\n" });
    // pre-commit installs the package, which puts `msb-migrate` on PATH.
    const bin = tempDir("msb-bin-");
    writeFileSync(
      path.join(bin, "msb-migrate"),
      `#!/bin/sh\nexec "${process.execPath}" "${repoRoot}bin/msb-migrate.js" "$@"\n`,
    );
    chmodSync(path.join(bin, "msb-migrate"), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1" };
    const entry = (files: string[]) =>
      spawnSync("sh", ["-c", `${hook.entry} "$@"`, "hook", ...files.filter(picks)], {
        cwd: ws,
        encoding: "utf8",
        env,
      });
    const staged = entry(["README.md", "api/Dockerfile", "web/Dockerfile"]);
    expect(staged.status).toBe(1);
    expect(staged.stdout).toContain("+FROM golang:1.19 AS builder");
    expect(staged.stderr).toMatch(/would convert api\/Dockerfile/);
    expect(readFileSync(path.join(ws, "api/Dockerfile"), "utf8")).toBe(GO);
    const clean = entry(["README.md", "web/Dockerfile"]);
    expect(clean.status, clean.stderr).toBe(0);
  });
});
