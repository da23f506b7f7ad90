// Organisation-wide runs split across CI jobs: `pr --shard K/N` keeps the repositories whose key
// hashes to K. A repository's shard depends on its own name only — not on the order or length of
// the list — so every run on every machine splits the same way, and a repository created between
// two jobs' listings lands in exactly one shard.
import { createHash } from "node:crypto";
import type { RepoSpec } from "./repos.js";

export interface Shard {
  /** 1-based: shard K of N. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new Error(`--shard expects K/N with 1 ≤ K ≤ N (e.g. 2/8), got ${text}`);
  }
  return { index, count };
}

export const formatShard = (s: Shard) => `${s.index}/${s.count}`;

/** What a repository is known by on every machine: its host slug, else its name in the list. */
export function shardKey(spec: Pick<RepoSpec, "slug" | "name">): string {
  return spec.slug ?? spec.name;
}

/** The shard (1-based) of a key among `count`: the first 48 bits of its SHA-256, modulo count. */
export function shardOf(key: string, count: number): number {
  const digest = createHash("sha256").update(key).digest();
  return (digest.readUIntBE(0, 6) % count) + 1;
}

/** The repositories of one shard, in list order. */
export function selectShard<T extends Pick<RepoSpec, "slug" | "name">>(specs: T[], s: Shard): T[] {
  return specs.filter((spec) => shardOf(shardKey(spec), s.count) === s.index);
}

/** The state file a shard writes when --state is not given: one per shard, never shared. */
export function shardStateFile(s: Shard): string {
  return `msb-migrate-state-${s.index}-of-${s.count}.json`;
}
