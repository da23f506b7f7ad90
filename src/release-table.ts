// Reading data/releases/ (written by scripts/gen-releases.ts): os.json, the OS table and header,
// read on first use; repos/<repo>.json, one repository's tags, read when that repository is
// first asked about. Nothing is read at import.
import { readFileSync } from "node:fs";
import { describeKey, namedKey, type Codenames, type Distro, type Libc } from "./release-names.js";
import type { OsRelease, TagRelease } from "./releases.js";

/** Bumped when the files' layout changes; the lookup refuses other formats. */
export const FORMAT = 1;

export interface OsRow {
  distro: Distro;
  version?: string;
  codename?: string;
  libc: Libc;
  libcVersion?: string;
  /** Where libcVersion comes from: the Debian mirror file it was read from, or a hand-kept table. */
  libcSource?: string;
}

export interface OsTable {
  format: number;
  /** The official-images commit the data was generated from, and its date. */
  officialImages: { commit: string; date: string };
  /** Image source clones read for entries that name no release (--sources): path → HEAD commit. */
  sources?: Record<string, string>;
  codenames: Codenames;
  os: Record<string, OsRow>;
  repos: string[];
}

export interface RepoFile {
  format: number;
  /** OS key → day last defined → comma-separated tags. */
  releases: Record<string, Record<string, string>>;
  /** tag → the sibling tag that names its release. */
  pins: Record<string, string>;
}

/**
 * One repository's file, searched as text: a tag is found by its delimiters in the comma-separated
 * lists, its day and release read from its line and the group line above it. Parsing the JSON
 * and indexing every tag took tens of milliseconds for the largest files (openjdk: 18,000 tags);
 * a search is well under one. The layout is the generator's (scripts/gen-releases.ts repoFile).
 */
class RepoText {
  private readonly pinsAt: number;
  readonly answers = new Map<string, TagRelease | null>();

  constructor(private readonly text: string) {
    this.pinsAt = text.indexOf('\n},"pins":{');
    if (!text.startsWith(`{"format":${FORMAT},`) || this.pinsAt < 0) {
      throw new Error("data/releases: a repository file has another layout; regenerate it");
    }
  }

  find(tag: string): { key: string; day: string } | null {
    const t = this.text;
    for (const open of [",", ':"']) {
      for (const close of [",", '"']) {
        const i = t.indexOf(open + tag + close);
        if (i < 0 || i > this.pinsAt) continue;
        const lineStart = t.lastIndexOf("\n", i) + 1;
        const groupEnd = t.lastIndexOf('":{\n', i);
        const groupStart = t.lastIndexOf('\n"', groupEnd) + 2;
        return {
          key: t.slice(groupStart, groupEnd),
          day: t.slice(lineStart + 1, t.indexOf('"', lineStart + 1)),
        };
      }
    }
    return null;
  }

  pin(tag: string): string | undefined {
    const needle = `\n"${tag}":"`;
    const i = this.text.indexOf(needle, this.pinsAt);
    return i < 0
      ? undefined
      : this.text.slice(i + needle.length, this.text.indexOf('"', i + needle.length));
  }
}

const REPO_NAME = /^[a-z0-9][a-z0-9._-]*$/;
/** Images outside the official library (owner/name), in community/ (scripts/gen-community-releases.ts). */
const COMMUNITY_NAME = /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/;

export class ReleaseData {
  private table: OsTable | null = null;
  private readonly osCache = new Map<string, OsRelease>();
  private readonly repoCache = new Map<string, RepoText>();
  private known: Set<string> | null = null;
  private community: Set<string> | null = null;

  /** `dir`: a folder with os.json and repos/, or a function that finds it on first use. */
  constructor(private readonly dir: string | (() => string)) {}

  private folder(): string {
    return typeof this.dir === "string" ? this.dir : this.dir();
  }

  header(): OsTable {
    if (!this.table) {
      const t = JSON.parse(readFileSync(`${this.folder()}/os.json`, "utf8")) as OsTable;
      if (t.format !== FORMAT) {
        throw new Error(`data/releases/os.json has format ${t.format}, this code reads ${FORMAT}`);
      }
      this.table = t;
      this.known = new Set(t.repos);
    }
    return this.table;
  }

  private repo(repo: string): RepoText | undefined {
    const cached = this.repoCache.get(repo);
    if (cached) return cached;
    this.header();
    let file: string;
    if (COMMUNITY_NAME.test(repo) && this.communityRepos().has(repo)) {
      file = `${this.folder()}/community/${repo.replace("/", "+")}.json`;
    } else if (REPO_NAME.test(repo) && this.known!.has(repo)) {
      file = `${this.folder()}/repos/${repo}.json`;
    } else return undefined;
    const index = new RepoText(readFileSync(file, "utf8"));
    this.repoCache.set(repo, index);
    return index;
  }

  /** The images community/index.json has files for (none when there is no such folder). */
  private communityRepos(): Set<string> {
    if (!this.community) {
      let repos: string[] = [];
      try {
        const index = JSON.parse(readFileSync(`${this.folder()}/community/index.json`, "utf8")) as {
          format: number;
          repos: string[];
        };
        if (index.format !== FORMAT)
          throw new Error(
            `data/releases/community/index.json has format ${index.format}, this code reads ${FORMAT}`,
          );
        repos = index.repos;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
      this.community = new Set(repos);
    }
    return this.community;
  }

  /** The OsRelease of a key, from the table, or from what the key says when the table lacks it. */
  os(key: string): OsRelease {
    let os = this.osCache.get(key);
    if (!os) {
      const t = this.header();
      const row = t.os[key] ?? describeKey(key, t.codenames);
      os = Object.freeze({
        key,
        distro: row.distro,
        ...(row.version !== undefined && { version: row.version }),
        ...(row.codename !== undefined && { codename: row.codename }),
        libc: row.libc,
        ...(row.libcVersion !== undefined && { libcVersion: row.libcVersion }),
      });
      this.osCache.set(key, os);
    }
    return os;
  }

  tagRelease(repo: string, tag: string): TagRelease | null | undefined {
    const index = this.repo(repo);
    if (!index) return undefined;
    // Bulk runs ask about the same few tags again and again: each is searched once.
    let answer = index.answers.get(tag);
    if (answer === undefined) {
      answer = this.search(index, repo, tag);
      index.answers.set(tag, answer);
    }
    return answer;
  }

  private search(index: RepoText, repo: string, tag: string): TagRelease | null {
    // Tags are [A-Za-z0-9_.-]: anything else (a delimiter, a quote) is no tag.
    if (!/^[\w][\w.-]*$/.test(tag)) return null;
    const found = index.find(tag);
    if (!found) return null;
    const pin = index.pin(tag);
    return Object.freeze({
      os: this.os(found.key),
      ...(pin !== undefined && { pin }),
      named: namedKey(tag, this.header().codenames, repo) === found.key,
      lastDefined: found.day,
    });
  }

  osRelease(distro: string, release: string): OsRelease | null {
    const t = this.header();
    const wanted = release.toLowerCase();
    // "12.5" → "12", "3.20.3" → "3.20", "24.04.1" → "24.04": the longest prefix the table knows.
    const parts = wanted.split(".");
    for (let n = parts.length; n >= 1; n--) {
      const r = parts.slice(0, n).join(".");
      if (Object.hasOwn(t.os, `${distro}:${r}`)) return this.os(`${distro}:${r}`);
      for (const [key, row] of Object.entries(t.os)) {
        if (key.startsWith(`${distro}:`) && (row.version === r || row.codename === r)) {
          return this.os(key);
        }
      }
    }
    return null;
  }

  osReleases(): OsRelease[] {
    return Object.keys(this.header().os).map((k) => this.os(k));
  }

  namedRelease(tag: string): OsRelease | null {
    const key = namedKey(tag, this.header().codenames);
    return key ? this.os(key) : null;
  }
}
