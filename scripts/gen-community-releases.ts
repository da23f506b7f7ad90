// Generate data/releases/community/: the OS release behind tags of toolchain images that are not
// official images, from the repositories that build them. Each image has a reader below; an
// image (or a tag) its sources cannot settle is left out, so it stays `release-unknown`.
//   npx tsx scripts/gen-community-releases.ts --crystal-distribution <git dir> --crystal <git dir>
//     --dlang-docker <git dir> --ldc <git dir> --dmd <git dir>
//                                             [--out data/releases/community]
// crystallang/crystal: github.com/crystal-lang/distribution-scripts builds the images by hand at
// release time (docker/Makefile, `make VERSION=…`) from docker/ubuntu.Dockerfile and
// docker/alpine.Dockerfile; the base is the Makefile's `--build-arg base_docker_image=…` or the
// Dockerfile's ARG default. A release (a tag of github.com/crystal-lang/crystal, dated) takes the
// base in effect on its day; when the base changed within WINDOW_DAYS of the release, which one
// the images got is not known and the tag is left out.
// dlang2/ldc-ubuntu, dlang2/dmd-ubuntu: github.com/wilzbach/dlang-docker's CI builds an image for
// each compiler release (tags of ldc-developers/ldc and dlang/dmd, dated) from ubuntu/Makefile's
// BASE_IMAGE, with the same window.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { FORMAT, type OsTable } from "../src/release-table.js";
import type { Codenames } from "../src/release-names.js";

/** Days either side of a release in which a change of base makes its images' release unknown. */
export const WINDOW_DAYS = 14;
const DAY = 86_400_000;

export interface CommunityIndex {
  format: number;
  /** Source repository (owner/name) → the commit read. */
  sources: Record<string, string>;
  /** Image repositories with a file (owner/name). */
  repos: string[];
}

/** One tag: its OS key and the day of the definition it comes from. */
export interface CommunityTag {
  key: string;
  lastDefined: string;
}

function git(dir: string, args: string[]): string {
  const r = spawnSync("git", ["-C", dir, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} in ${dir}: ${r.stderr}`);
  return r.stdout;
}

function show(dir: string, rev: string, path: string): string | null {
  const r = spawnSync("git", ["-C", dir, "show", `${rev}:${path}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout : null;
}

/** `ubuntu:22.04`, `ubuntu:focal`, `alpine:3.20`, `debian:bookworm-slim` → OS key; null elsewhere. */
export function distroKey(ref: string, names: Codenames): string | null {
  const m = /^(ubuntu|debian|alpine):([\w.-]+)$/.exec(ref.trim());
  if (!m) return null;
  const [, distro, tag] = m as unknown as [string, "ubuntu" | "debian" | "alpine", string];
  if (distro === "alpine") return /^\d+\.\d+$/.test(tag) ? `alpine:${tag}` : null;
  const release = tag.replace(/-slim$/, "");
  const table = names[distro];
  if (Object.hasOwn(table, release)) return `${distro}:${release}`;
  const byVersion = Object.entries(table).find(([, v]) => v !== "" && v === release);
  return byVersion ? `${distro}:${byVersion[0]}` : null;
}

/** The base image one variant (ubuntu, alpine) of distribution-scripts' docker/ is built FROM. */
export function crystalBase(
  makefile: string | null,
  dockerfiles: Record<string, string | null>,
  variant: "ubuntu" | "alpine",
): string | null {
  // The Makefile's build argument wins over the Dockerfile's default (2019–2023).
  for (const line of (makefile ?? "").split("\n")) {
    if (/^\s*#/.test(line)) continue;
    const m = /--build-arg\s+base_docker_image=(\S+)/.exec(line);
    if (m && m[1]!.startsWith(`${variant}:`)) return m[1]!;
  }
  const file = dockerfiles[`${variant}.Dockerfile`];
  if (!file) return null;
  const arg = /^ARG\s+base_docker_image=(\S+)/m.exec(file);
  if (arg) return arg[1]!;
  const from = /^FROM\s+(\S+)/m.exec(file);
  return from && !from[1]!.includes("$") ? from[1]! : null;
}

interface BaseChange {
  date: number;
  day: string;
  /** Variant (ubuntu, alpine) → the OS key its images are built on at this commit. */
  keys: Record<string, string | null>;
}

/** The bases of docker/ at every commit that touched it, oldest first. */
function crystalHistory(dir: string, names: Codenames): BaseChange[] {
  const log = git(dir, ["log", "--reverse", "--format=%H %cI", "HEAD", "--", "docker"]);
  const out: BaseChange[] = [];
  for (const line of log.trim().split("\n")) {
    const [commit, iso] = line.split(" ") as [string, string];
    const makefile = show(dir, commit, "docker/Makefile");
    const dockerfiles: Record<string, string | null> = {
      "ubuntu.Dockerfile": show(dir, commit, "docker/ubuntu.Dockerfile"),
      "alpine.Dockerfile": show(dir, commit, "docker/alpine.Dockerfile"),
    };
    const key = (v: "ubuntu" | "alpine") => {
      const ref = crystalBase(makefile, dockerfiles, v);
      return ref ? distroKey(ref, names) : null;
    };
    const date = Date.parse(iso);
    out.push({
      date,
      day: new Date(date).toISOString().slice(0, 10),
      keys: { ubuntu: key("ubuntu"), alpine: key("alpine") },
    });
  }
  return out;
}

/**
 * Tags of releases built from a repository's history: each release takes the base in effect on
 * its day; left out when none is, or when the base changed within WINDOW_DAYS of the release.
 * `suffixes`: variant → the tag suffixes built from it (crystal: "" and "-build" from ubuntu).
 */
export function datedTags(
  history: BaseChange[],
  releases: { version: string; date: number }[],
  suffixes: Record<string, string[]>,
): Map<string, CommunityTag> {
  const tags = new Map<string, CommunityTag>();
  for (const { version, date } of releases) {
    for (const [variant, ends] of Object.entries(suffixes)) {
      const inEffect = history.filter((h) => h.date <= date).at(-1);
      const key = inEffect?.keys[variant];
      if (!inEffect || !key) continue;
      // A change of base close to the release: which one its images got is not known.
      const near = history.filter((h) => Math.abs(h.date - date) <= WINDOW_DAYS * DAY);
      const before = history.filter((h) => h.date <= date - WINDOW_DAYS * DAY).at(-1);
      if (near.some((h) => h.keys[variant] !== key) || (before && before.keys[variant] !== key))
        continue;
      for (const s of ends) tags.set(version + s, { key, lastDefined: inEffect.day });
    }
  }
  return tags;
}

/** crystallang/crystal tags: `X.Y.Z`, `X.Y.Z-build` (Ubuntu), `X.Y.Z-alpine`, `X.Y.Z-alpine-build`. */
export function crystalTags(
  history: BaseChange[],
  releases: { version: string; date: number }[],
): Map<string, CommunityTag> {
  return datedTags(history, releases, {
    ubuntu: ["", "-build"],
    alpine: ["-alpine", "-alpine-build"],
  });
}

/**
 * dlang2/<compiler>-ubuntu (github.com/wilzbach/dlang-docker, built by its CI for each compiler
 * release): ubuntu/Makefile's BASE_IMAGE at each commit that touched it.
 */
function dlangHistory(dir: string, names: Codenames): BaseChange[] {
  const log = git(dir, ["log", "--reverse", "--format=%H %cI", "HEAD", "--", "ubuntu/Makefile"]);
  return log
    .trim()
    .split("\n")
    .map((line) => {
      const [commit, iso] = line.split(" ") as [string, string];
      const m = /^BASE_IMAGE\s*=\s*"?([^"\s]+)"?/m.exec(show(dir, commit, "ubuntu/Makefile") ?? "");
      const date = Date.parse(iso);
      return {
        date,
        day: new Date(date).toISOString().slice(0, 10),
        keys: { ubuntu: m ? distroKey(m[1]!, names) : null },
      };
    });
}

/** Release tags vX.Y.Z of a compiler repository, as X.Y.Z with their dates. */
function versionTags(dir: string): { version: string; date: number }[] {
  const refs = git(dir, [
    "for-each-ref",
    "--format=%(refname:short) %(creatordate:iso-strict)",
    "refs/tags",
  ]);
  return refs
    .trim()
    .split("\n")
    .map((l) => l.split(" ") as [string, string])
    .filter(([t]) => /^v\d+\.\d+\.\d+$/.test(t))
    .map(([t, iso]) => ({ version: t.slice(1), date: Date.parse(iso) }));
}

/** The release tags of github.com/crystal-lang/crystal (X.Y.Z) with their dates. */
function crystalReleases(dir: string): { version: string; date: number }[] {
  const refs = git(dir, [
    "for-each-ref",
    "--format=%(refname:short) %(creatordate:iso-strict)",
    "refs/tags",
  ]);
  return refs
    .trim()
    .split("\n")
    .map((l) => l.split(" ") as [string, string])
    .filter(([t]) => /^\d+\.\d+\.\d+$/.test(t))
    .map(([version, iso]) => ({ version, date: Date.parse(iso) }));
}

/** One image's file, in the layout of data/releases/repos (src/release-table.ts reads it). */
export function communityFile(tags: Map<string, CommunityTag>): string {
  const groups = new Map<string, Map<string, string[]>>();
  for (const [tag, d] of tags) {
    let byDay = groups.get(d.key);
    if (!byDay) groups.set(d.key, (byDay = new Map()));
    let list = byDay.get(d.lastDefined);
    if (!list) byDay.set(d.lastDefined, (list = []));
    list.push(tag);
  }
  const lines: string[] = [`{"format":${FORMAT},"releases":{`];
  const keys = [...groups.keys()].sort();
  keys.forEach((key, k) => {
    lines.push(`${JSON.stringify(key)}:{`);
    const days = [...groups.get(key)!].sort(([a], [b]) => a.localeCompare(b));
    days.forEach(([day, list], i) =>
      lines.push(
        `${JSON.stringify(day)}:${JSON.stringify(list.sort().join(","))}${i < days.length - 1 ? "," : ""}`,
      ),
    );
    lines.push(k < keys.length - 1 ? "}," : "}");
  });
  lines.push(`},"pins":{`, "}}");
  return lines.join("\n") + "\n";
}

export function fileName(repo: string): string {
  return `${repo.replace("/", "+")}.json`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      "crystal-distribution": { type: "string" },
      crystal: { type: "string" },
      "dlang-docker": { type: "string" },
      ldc: { type: "string" },
      dmd: { type: "string" },
      out: { type: "string", default: "data/releases/community" },
      os: { type: "string", default: "data/releases/os.json" },
    },
  });
  if (
    !values["crystal-distribution"] ||
    !values.crystal ||
    !values["dlang-docker"] ||
    !values.ldc ||
    !values.dmd
  ) {
    console.error(
      "usage: npx tsx scripts/gen-community-releases.ts --crystal-distribution <git dir of\n" +
        "         crystal-lang/distribution-scripts> --crystal <git dir of crystal-lang/crystal>\n" +
        "         --dlang-docker <wilzbach/dlang-docker> --ldc <ldc-developers/ldc> --dmd <dlang/dmd>\n" +
        "         [--out data/releases/community] [--os data/releases/os.json]",
    );
    process.exit(2);
  }
  const names = (JSON.parse(readFileSync(values.os!, "utf8")) as OsTable).codenames;
  const out = resolve(values.out!);
  const images = new Map<string, Map<string, CommunityTag>>();
  const sources: Record<string, string> = {};

  const dist = resolve(values["crystal-distribution"]);
  const crystal = resolve(values.crystal);
  images.set(
    "crystallang/crystal",
    crystalTags(crystalHistory(dist, names), crystalReleases(crystal)),
  );
  sources["crystal-lang/distribution-scripts"] = git(dist, ["rev-parse", "HEAD"]).trim();
  sources["crystal-lang/crystal"] = git(crystal, ["rev-parse", "HEAD"]).trim();

  const dlang = resolve(values["dlang-docker"]);
  const dlangBases = dlangHistory(dlang, names);
  for (const [compiler, dir, source] of [
    ["ldc", resolve(values.ldc), "ldc-developers/ldc"],
    ["dmd", resolve(values.dmd), "dlang/dmd"],
  ] as const) {
    images.set(
      `dlang2/${compiler}-ubuntu`,
      datedTags(dlangBases, versionTags(dir), { ubuntu: [""] }),
    );
    sources[source] = git(dir, ["rev-parse", "HEAD"]).trim();
  }
  sources["wilzbach/dlang-docker"] = git(dlang, ["rev-parse", "HEAD"]).trim();

  mkdirSync(out, { recursive: true });
  const repos = [...images.keys()].sort();
  for (const f of readdirSync(out))
    if (f !== "index.json" && !repos.some((r) => fileName(r) === f)) rmSync(join(out, f));
  for (const repo of repos)
    writeFileSync(join(out, fileName(repo)), communityFile(images.get(repo)!));
  const index: CommunityIndex = { format: FORMAT, sources, repos };
  writeFileSync(join(out, "index.json"), JSON.stringify(index, null, 1) + "\n");
  for (const repo of repos) {
    const tags = images.get(repo)!;
    const byKey = new Map<string, number>();
    for (const t of tags.values()) byKey.set(t.key, (byKey.get(t.key) ?? 0) + 1);
    console.log(
      `${repo}: ${tags.size} tags, ${[...byKey].map(([k, n]) => `${k} ${n}`).join(", ")}`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  await main();
