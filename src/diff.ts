// Git-style unified diffs that `git apply` accepts as they are.
import { formatPatch, structuredPatch } from "diff";

export function makePatch(path: string, before: string, after: string): string {
  if (before === after) return "";
  const clean = path.replace(/^\.?\//, "");
  const patch = structuredPatch(`a/${clean}`, `b/${clean}`, before, after, undefined, undefined, {
    context: 3,
  });
  patch.isGit = true;
  return formatPatch(patch);
}
