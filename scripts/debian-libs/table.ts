// The committed form of the per-release answers (data/debian-runtime-libs.json): one entry per
// -dev package, a plain list when every release in the file gives the same answer, otherwise an
// object keyed by the space-separated releases that share each answer. One entry per line, so a
// refresh reads as a reviewable diff. src/debian-libs.ts reads it.
import type { Entry, RuntimeLibsFile } from "../../src/debian-libs.js";

/** Per release (in the given order), dev → runtime packages, folded into one entry per dev. */
export function compact(perRelease: Map<string, Map<string, string[]>>): Record<string, Entry> {
  const releases = [...perRelease.keys()];
  const names = new Set<string>();
  for (const table of perRelease.values()) for (const name of table.keys()) names.add(name);
  const packages: Record<string, Entry> = {};
  for (const name of [...names].sort()) {
    const byAnswer = new Map<string, string[]>(); // answer as JSON → releases
    for (const release of releases) {
      const answer = perRelease.get(release)!.get(name);
      if (answer === undefined) continue;
      const key = JSON.stringify(answer);
      byAnswer.set(key, [...(byAnswer.get(key) ?? []), release]);
    }
    const groups = [...byAnswer];
    packages[name] =
      groups.length === 1 && groups[0]![1].length === releases.length
        ? (JSON.parse(groups[0]![0]) as string[])
        : Object.fromEntries(groups.map(([answer, rs]) => [rs.join(" "), JSON.parse(answer)]));
  }
  return packages;
}

export function serialise(file: RuntimeLibsFile): string {
  const head = JSON.stringify({ ...file, packages: undefined }, null, 2).replace(/\n}$/, "");
  const lines = Object.entries(file.packages).map(
    ([name, entry]) => `    ${JSON.stringify(name)}: ${JSON.stringify(entry)}`,
  );
  return `${head},\n  "packages": {\n${lines.join(",\n")}\n  }\n}\n`;
}
