// findMatcher (rules indexed by program) must pick exactly what a scan of the list in order picks.
import { existsSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { findDockerfiles } from "../src/bulk/walk.js";
import { commands, findMatcher, matchesCommand } from "../src/data.js";
import { parseDocument } from "../src/parse/document.js";
import { corpusDir, fixtureCases } from "./helpers.js";

it("findMatcher agrees with list.find(matchesCommand) on every command of the fixtures and corpus", async () => {
  const texts = fixtureCases().map((c) => c.input);
  if (existsSync(corpusDir))
    for (const f of await findDockerfiles([corpusDir])) texts.push(readFileSync(f, "utf8"));
  const cmds = texts.flatMap((t) => parseDocument(t).instructions.flatMap((i) => i.commands));
  // Paths and trailing slashes exercise the base-name lookup.
  const extra = cmds.flatMap((c) => [
    { ...c, name: `/usr/local/bin/${c.name}` },
    { ...c, name: `${c.name}/` },
  ]);
  const lists: readonly (readonly Parameters<typeof matchesCommand>[0][])[] = [
    commands.rules,
    commands.toolchainAtRuntime,
    commands.staticServers,
  ];
  let hits = 0;
  for (const c of [...cmds, ...extra])
    for (const list of lists) {
      const want = list.find((m) => matchesCommand(m, c.name, c.args));
      expect(findMatcher(list, c.name, c.args)).toBe(want);
      if (want) hits++;
    }
  for (const eco of ["go", "node", "python", "rust", "java"]) {
    for (const c of cmds) {
      const want = commands.rules.find(
        (r) => r.ecosystem === eco && matchesCommand(r, c.name, c.args),
      );
      expect(findMatcher(commands.rules, c.name, c.args, (r) => r.ecosystem === eco)).toBe(want);
    }
  }
  expect(hits).toBeGreaterThan(50);
});
