// `pr --merge STATE… --state OUT`: the state files of a sharded run (or of any runs) as one, so
// the report and `--only-failed` see the whole organisation. A repository in several files keeps
// its latest record; shards that are missing or overlap are reported, not fatal.
import { readState, type RepoRecord, type StateFile } from "./state.js";
import { parseShard } from "./shard.js";

export interface MergeResult {
  state: StateFile;
  /** Things to tell the person merging: repositories seen twice, shards missing. */
  notes: string[];
}

export async function mergeStates(files: string[]): Promise<MergeResult> {
  const notes: string[] = [];
  const repos: Record<string, RepoRecord> = {};
  const seen = new Map<string, string>();
  const shards: { file: string; shard?: string }[] = [];
  let updatedAt = "";
  for (const file of files) {
    const s = await readState(file);
    shards.push({ file, shard: s.shard });
    if (s.updatedAt > updatedAt) updatedAt = s.updatedAt;
    for (const [key, rec] of Object.entries(s.repos)) {
      const prev = repos[key];
      if (prev) {
        notes.push(`${rec.repo} is in ${seen.get(key)} and ${file}; keeping the later record`);
        if (prev.updatedAt >= rec.updatedAt) continue;
      }
      repos[key] = rec;
      seen.set(key, file);
    }
  }
  notes.push(...shardNotes(shards));
  const state: StateFile = {
    version: 1,
    updatedAt: updatedAt || new Date().toISOString(),
    mergedFrom: files,
    repos,
  };
  return { state, notes };
}

/** Which shards of N the files cover: missing ones, and files from different splits. */
function shardNotes(shards: { file: string; shard?: string }[]): string[] {
  const parsed = shards.filter((s) => s.shard).map((s) => ({ ...s, ...parseShard(s.shard!) }));
  if (!parsed.length) return [];
  const counts = new Set(parsed.map((s) => s.count));
  if (counts.size > 1)
    return [
      `the files come from different splits (${[...counts].map((n) => `of ${n}`).join(", ")})`,
    ];
  const n = parsed[0]!.count;
  const have = new Set(parsed.map((s) => s.index));
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !have.has(k));
  return missing.length ? [`shard(s) ${missing.map((k) => `${k}/${n}`).join(", ")} missing`] : [];
}
