// The CI examples stay true to the tool: every msb-migrate option they use exists, shard
// matrices cover 1..N, the action's inputs and the pre-commit hook id are real.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main } from "../src/cli/main.js";
import { shellWords } from "../src/verify/dockerfile-info.js";
import { repoRoot } from "./helpers.js";

const example = (rel: string) =>
  parse(readFileSync(path.join(repoRoot, "examples", rel), "utf8")) as Record<string, unknown>;

async function helpOf(args: string[]): Promise<string> {
  let out = "";
  const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  expect(
    await main([...args, "--help"], { stdout: sink, stderr: sink, stdin: process.stdin }),
  ).toBe(0);
  return out;
}

/** The options of each msb-migrate command line in these scripts, checked against --help. */
async function checkCommands(scripts: string[]): Promise<string[][]> {
  const commands = scripts
    .flatMap((s) => s.split(/\n|&&/))
    .filter((l) => l.includes("msb-migrate.js"))
    // A workflow expression is one word: ${{ matrix.shard }} → {{matrix.shard}}.
    .map((l) => shellWords(l.trim().replace(/\$\{\{\s*(.*?)\s*\}\}/g, "{{$1}}")));
  const main = await helpOf([]);
  const pr = await helpOf(["pr"]);
  for (const words of commands) {
    const isPr = words[1] === "pr";
    for (const w of words.filter((x) => x.startsWith("--"))) {
      expect(isPr ? pr : main, `${w} in ${words.join(" ")}`).toContain(`  ${w.split("=")[0]}`);
    }
  }
  return commands;
}

interface GhStep {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

describe("examples/", () => {
  it("GitHub: a matrix of shards 1..N with one state file each, merged by the last job", async () => {
    const wf = example("github/org-migration.yml") as {
      env: { SHARDS: number };
      jobs: Record<string, { strategy?: { matrix: { shard: number[] } }; steps: GhStep[] }>;
    };
    const n = wf.env.SHARDS;
    expect(wf.jobs.shard!.strategy!.matrix.shard).toEqual(
      Array.from({ length: n }, (_, i) => i + 1),
    );
    const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ""));
    const commands = await checkCommands(runs);
    const shard = commands.find((c) => c.includes("--shard"))!;
    expect(shard[shard.indexOf("--shard") + 1]).toBe("{{matrix.shard}}/$SHARDS");
    expect(shard[shard.indexOf("--state") + 1]).toBe("state-{{matrix.shard}}.json");
    expect(commands.some((c) => c.includes("--merge"))).toBe(true);
  });

  it("GitLab: parallel:matrix over shards 1..N, then a merge job", async () => {
    const ci = example("gitlab/org-migration.gitlab-ci.yml") as {
      variables: { SHARDS: string };
      migrate: { parallel: { matrix: { SHARD: string[] }[] }; script: string[] };
      merge: { script: string[]; needs: string[] };
    };
    const n = Number(ci.variables.SHARDS);
    expect(ci.migrate.parallel.matrix[0]!.SHARD).toEqual(
      Array.from({ length: n }, (_, i) => String(i + 1)),
    );
    const commands = await checkCommands([...ci.migrate.script, ...ci.merge.script]);
    expect(commands[0]).toContain("$SHARD/$SHARDS");
    expect(ci.merge.needs).toEqual(["migrate"]);
  });

  it("the workflows using the action pass only inputs it declares", () => {
    const action = parse(readFileSync(path.join(repoRoot, "action.yml"), "utf8")) as {
      inputs: Record<string, unknown>;
    };
    for (const file of ["github/dockerfile-check.yml", "github/code-scanning.yml"]) {
      const wf = example(file) as { jobs: Record<string, { steps: GhStep[] }> };
      const uses = Object.values(wf.jobs)
        .flatMap((j) => j.steps)
        .filter((s) => s.uses?.includes("/msb-migrate@"));
      expect(uses, file).toHaveLength(1);
      for (const key of Object.keys(uses[0]!.with ?? {}))
        expect(action.inputs, file).toHaveProperty(key);
    }
  });

  it("the pre-commit example names the hook this repository defines", () => {
    const config = example("pre-commit-config.yaml") as { repos: { hooks: { id: string }[] }[] };
    const hooks = parse(readFileSync(path.join(repoRoot, ".pre-commit-hooks.yaml"), "utf8")) as {
      id: string;
    }[];
    expect(hooks.map((h) => h.id)).toContain(config.repos[0]!.hooks[0]!.id);
  });
});
