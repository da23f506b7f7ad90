// Generate data/releases/: the OS release behind every official image tag, from the git history
// of docker-library/official-images, and the C library of each release.
//   npm run data:releases -- --official-images <clone or git dir> [--out data/releases]
//                            [--sources DIR] [--no-mirror]
// --sources DIR: clones of the images' source repositories (DIR/<owner>/<name>, DIR/<name>…);
// an entry that names no release then takes the release of the image its Dockerfile is FROM.
// --no-mirror: read no libc6 from the Debian mirror (keep the previous run's values).
// Get the history with `git clone https://github.com/docker-library/official-images`.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { FORMAT, type OsTable, type OsRow } from "../src/release-table.js";
import { describeKey } from "../src/release-names.js";
import { readLibraryHistory } from "./releases/history.js";
import { aptMirror, handKept, mirrorLibc, type LibcValue } from "./releases/libc.js";
import { buildReleaseTable, type TagDefinition } from "./releases/resolve.js";
import { baseImagesFrom } from "./releases/sources.js";

// The image families the summary reports on.
const MAIN_FAMILIES = [
  "golang", "rust", "gcc", "node", "python", "ruby", "php", "elixir", "erlang", "maven", "gradle",
  "eclipse-temurin", "openjdk", "amazoncorretto", "buildpack-deps", "debian", "ubuntu", "alpine",
  "haskell", "swift", "nginx", "busybox",
]; // prettier-ignore

export interface GenerateOptions {
  /** A clone or git directory of docker-library/official-images. */
  officialImages: string;
  /** Output folder (data/releases). */
  out: string;
  /** Clones of the images' source repositories: entries that name no release follow their FROM. */
  sources?: string;
  /** The Debian mirror to read libc6 from: the apt sources' when undefined, none when null. */
  mirror?: string | null;
  log?: (line: string) => void;
}

export interface GenerateResult {
  repos: Map<string, Map<string, TagDefinition>>;
  os: Record<string, OsRow>;
  bytes: number;
}

export async function generate(opts: GenerateOptions): Promise<GenerateResult> {
  const log = opts.log ?? (() => {});
  const history = await readLibraryHistory(resolve(opts.officialImages));
  const used = new Map<string, string>();
  const table = buildReleaseTable(
    history,
    opts.sources ? baseImagesFrom(resolve(opts.sources), used) : undefined,
  );
  const out = resolve(opts.out);
  const mirror = opts.mirror === undefined ? aptMirror() : opts.mirror;
  const os = await osTable(table, readPrevious(out), mirror, log);

  mkdirSync(join(out, "repos"), { recursive: true });
  const repos = [...table.repos.keys()].sort();
  for (const f of readdirSync(join(out, "repos"))) {
    if (!repos.includes(f.replace(/\.json$/, ""))) rmSync(join(out, "repos", f));
  }
  let bytes = 0;
  for (const repo of repos) {
    const text = repoFile(table.repos.get(repo)!);
    bytes += text.length;
    writeFileSync(join(out, "repos", `${repo}.json`), text);
  }
  const header: OsTable = {
    format: FORMAT,
    officialImages: history.head,
    ...(used.size > 0 && { sources: Object.fromEntries([...used].sort()) }),
    codenames: table.codenames,
    os,
    repos,
  };
  const osText = osFile(header);
  writeFileSync(join(out, "os.json"), osText);
  return { repos: table.repos, os, bytes: bytes + osText.length };
}

async function main() {
  const { values } = parseArgs({
    options: {
      "official-images": { type: "string" },
      out: { type: "string", default: "data/releases" },
      sources: { type: "string" },
      "no-mirror": { type: "boolean", default: false },
    },
  });
  const from = values["official-images"];
  if (!from) {
    console.error(
      "usage: npm run data:releases -- --official-images <clone or git dir> [--out data/releases]\n" +
        "         [--sources DIR] [--no-mirror]\n" +
        "  (git clone https://github.com/docker-library/official-images)",
    );
    process.exit(2);
  }
  const started = Date.now();
  const result = await generate({
    officialImages: from,
    out: values.out!,
    ...(values.sources && { sources: values.sources }),
    ...(values["no-mirror"] && { mirror: null }),
    log: (line) => console.error(line),
  });
  summary(result.repos, result.os, result.bytes, Date.now() - started);
}

function readPrevious(out: string): OsTable | null {
  try {
    return JSON.parse(readFileSync(join(out, "os.json"), "utf8")) as OsTable;
  } catch {
    return null;
  }
}

async function osTable(
  table: ReturnType<typeof buildReleaseTable>,
  previous: OsTable | null,
  mirror: string | null,
  log: (line: string) => void,
): Promise<Record<string, OsRow>> {
  const keys = new Set<string>();
  for (const cn of Object.keys(table.codenames.debian)) keys.add(`debian:${cn}`);
  for (const cn of Object.keys(table.codenames.ubuntu)) keys.add(`ubuntu:${cn}`);
  for (const tags of table.repos.values())
    for (const d of tags.values()) if (d.key) keys.add(d.key);

  // Debian: every codename the mirror serves, read concurrently.
  const debian = Object.keys(table.codenames.debian);
  const read = new Map<string, LibcValue>();
  if (mirror) {
    const got = await Promise.all(debian.map((cn) => mirrorLibc(mirror, cn)));
    debian.forEach((cn, i) => got[i] && read.set(cn, got[i]));
  }
  log(
    mirror
      ? `libc6 read from the Debian mirror for ${[...read.keys()].join(", ") || "no codename (unreachable?)"}`
      : "no Debian mirror (none in the apt sources, or --no-mirror): libc versions from the previous run and the hand-kept tables",
  );

  const rows: Record<string, OsRow> = {};
  for (const key of [...keys].sort()) {
    const release = key.split(":")[1];
    const row: OsRow = describeKey(key, table.codenames);
    const distro = row.distro;
    const libc =
      (release && distro === "debian" ? read.get(release) : undefined) ??
      fromPrevious(previous, key) ??
      (release ? handKept(distro, key, row.codename ?? row.version ?? release) : null);
    if (libc && row.libc !== "none") {
      row.libcVersion = libc.version;
      row.libcSource = libc.source;
    }
    if (row.libc === "unknown" && libc) row.libc = "glibc";
    rows[key] = row;
  }
  return rows;
}

/** A value an earlier run read from the mirror (kept when the mirror does not answer now). */
function fromPrevious(previous: OsTable | null, key: string): LibcValue | null {
  const row = previous?.os[key];
  if (!row?.libcVersion || !row.libcSource?.startsWith("Debian mirror")) return null;
  return { version: row.libcVersion, source: row.libcSource };
}

/**
 * One repository: its tags grouped by release, then by the day they were last defined (a
 * comma-separated list), and the pins where a tag has one. One group per line so that a
 * regeneration's diff shows what moved. Tags whose release is unknown are left out.
 */
function repoFile(tags: Map<string, TagDefinition>): string {
  const groups = new Map<string, Map<string, string[]>>();
  const pins: [string, string][] = [];
  for (const [tag, d] of tags) {
    if (!d.key) continue;
    let byDay = groups.get(d.key);
    if (!byDay) groups.set(d.key, (byDay = new Map()));
    let list = byDay.get(d.lastDefined);
    if (!list) byDay.set(d.lastDefined, (list = []));
    list.push(tag);
    if (d.pin) pins.push([tag, d.pin]);
  }
  const lines: string[] = [`{"format":${FORMAT},"releases":{`];
  const keys = [...groups.keys()].sort();
  keys.forEach((key, k) => {
    lines.push(`${JSON.stringify(key)}:{`);
    const days = [...groups.get(key)!].sort(([a], [b]) => a.localeCompare(b));
    days.forEach(([day, list], i) =>
      lines.push(
        `${JSON.stringify(day)}:${JSON.stringify(list.join(","))}${i < days.length - 1 ? "," : ""}`,
      ),
    );
    lines.push(k < keys.length - 1 ? "}," : "}");
  });
  lines.push(`},"pins":{`);
  pins.forEach(([tag, pin], i) =>
    lines.push(`${JSON.stringify(tag)}:${JSON.stringify(pin)}${i < pins.length - 1 ? "," : ""}`),
  );
  lines.push("}}");
  return lines.join("\n") + "\n";
}

function osFile(header: OsTable): string {
  const { os, ...rest } = header;
  const top = JSON.stringify(rest, null, 1).slice(0, -2);
  const rows = Object.entries(os).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `${top},\n "os": {\n${rows.join(",\n")}\n }\n}\n`;
}

function summary(
  repos: Map<string, Map<string, TagDefinition>>,
  os: Record<string, OsRow>,
  bytes: number,
  ms: number,
) {
  let tags = 0;
  let unknown = 0;
  for (const t of repos.values()) {
    tags += t.size;
    for (const d of t.values()) if (!d.key) unknown++;
  }
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : "-");
  console.log(
    `${repos.size} repositories, ${tags} tags (${pct(unknown, tags)} of unknown release), ` +
      `${Object.keys(os).length} OS releases, ${(bytes / 1024).toFixed(0)} KiB written, ${(ms / 1000).toFixed(1)} s`,
  );
  console.log("unknown release, main families: all tags / tags still in the file");
  for (const repo of MAIN_FAMILIES) {
    const t = repos.get(repo);
    if (!t) continue;
    const all = [...t.values()];
    const current = all.filter((d) => d.current);
    const u = (list: TagDefinition[]) => list.filter((d) => !d.key).length;
    console.log(
      `  ${repo.padEnd(16)} ${pct(u(all), all.length).padStart(6)} of ${String(all.length).padStart(6)}` +
        `   ${pct(u(current), current.length).padStart(6)} of ${String(current.length).padStart(5)}`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href)
  await main();
