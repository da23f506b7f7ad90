import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "../scripts/gen-releases.js";
import { aptMirror } from "../scripts/releases/libc.js";
import { finalBase } from "../scripts/releases/sources.js";
import { FORMAT, ReleaseData, type OsTable, type RepoFile } from "../src/release-table.js";
import {
  libcFits,
  namedRelease,
  osRelease,
  osReleases,
  tagRelease,
  type OsRelease,
} from "../src/releases.js";
import { tempDir } from "./tmp.js";

const DATA = new URL("../data/releases/", import.meta.url);

// Facts checked by hand against the history of docker-library/official-images (git log -p library/<repo>).
describe("committed data: what a pull resolves to", () => {
  it("rust:1.93 was last published on trixie, pinned by 1.93-trixie", () => {
    const r = tagRelease("rust", "1.93")!;
    expect(r.os.key).toBe("debian:trixie");
    expect(r.os.libc).toBe("glibc");
    expect(r.os.libcVersion).toBe("2.41");
    expect(r.pin).toBe("1.93-trixie");
    expect(r.named).toBe(false);
    // Last in library/rust on 2026-02-12 (52b63b09f2), before 1.94 replaced it.
    expect(r.lastDefined).toBe("2026-02-12");
  });

  it("a tag that names its release has no pin", () => {
    const r = tagRelease("rust", "1.93-trixie")!;
    expect(r.os.key).toBe("debian:trixie");
    expect(r.named).toBe(true);
    expect(r.pin).toBeUndefined();
  });

  it("gcc:14 → trixie (14-trixie)", () => {
    expect(tagRelease("gcc", "14")).toMatchObject({
      os: { key: "debian:trixie" },
      pin: "14-trixie",
    });
  });

  it("node:18 stayed on bookworm (its last definition, 2025)", () => {
    const r = tagRelease("node", "18")!;
    expect(r.os.key).toBe("debian:bookworm");
    expect(r.pin).toBe("18-bookworm");
    expect(r.lastDefined < "2025-08-01").toBe(true);
  });

  it("python:3.13-slim → trixie (3.13-slim-trixie); node:26-slim → 26-trixie-slim", () => {
    expect(tagRelease("python", "3.13-slim")).toMatchObject({
      os: { key: "debian:trixie" },
      pin: "3.13-slim-trixie",
    });
    expect(tagRelease("node", "26-slim")).toMatchObject({
      os: { key: "debian:trixie" },
      pin: "26-trixie-slim",
    });
  });

  it("golang:1.24.2, published before trixie, is bookworm (the Linux entry of its SharedTags)", () => {
    // 2025-05-05 (ff89809087): SharedTags 1.24.2 on 1.24/bookworm and on three Windows entries.
    expect(tagRelease("golang", "1.24.2")).toEqual({
      os: expect.objectContaining({ key: "debian:bookworm", libcVersion: "2.36" }),
      pin: "1.24.2-bookworm",
      named: false,
      lastDefined: "2025-05-05",
    });
  });

  it("maven:3.9-eclipse-temurin-17 → Ubuntu noble", () => {
    const r = tagRelease("maven", "3.9-eclipse-temurin-17")!;
    expect(r.os).toMatchObject({ distro: "ubuntu", codename: "noble", version: "24.04" });
    expect(r.pin).toBe("3.9-eclipse-temurin-17-noble");
  });

  it("rust:1.63 → bullseye (2022: 1.63 on stable/bullseye)", () => {
    expect(tagRelease("rust", "1.63")).toMatchObject({
      os: { key: "debian:bullseye", libcVersion: "2.31" },
      pin: "1.63-bullseye",
      lastDefined: "2022-08-11",
    });
  });

  it("latest pins to the bare release tag; Alpine floating tags to the versioned one", () => {
    expect(tagRelease("rust", "latest")).toMatchObject({
      os: { key: "debian:trixie" },
      pin: "trixie",
    });
    expect(tagRelease("debian", "latest")).toMatchObject({
      os: { key: "debian:trixie" },
      pin: "trixie",
    });
    expect(tagRelease("rust", "1-alpine")).toMatchObject({
      os: { key: "alpine:3.24", libc: "musl" },
      pin: "1-alpine3.24",
      named: false,
    });
  });

  it("Debian's suite names resolve to the release they meant in the last definition", () => {
    expect(tagRelease("debian", "stable")?.os.key).toBe("debian:trixie");
    expect(tagRelease("debian", "oldstable-slim")?.os.key).toBe("debian:bookworm");
    expect(tagRelease("debian", "testing")?.os.key).toBe("debian:forky");
  });

  it("OS images: their version tags name the release", () => {
    expect(tagRelease("alpine", "3.20")?.os).toMatchObject({
      key: "alpine:3.20",
      libcVersion: "1.2.5",
    });
    expect(tagRelease("ubuntu", "24.04")?.os.key).toBe("ubuntu:noble");
    expect(tagRelease("amazonlinux", "2023")?.os).toMatchObject({
      distro: "rhel",
      libcVersion: "2.34",
    });
  });

  it("unknown tag → null; unknown release → null; not an official image → undefined", () => {
    expect(tagRelease("rust", "no-such-tag")).toBeNull();
    expect(tagRelease("rust", "1,93")).toBeNull();
    expect(tagRelease("rust", "")).toBeNull();
    expect(tagRelease("hello-world", "latest")).toBeNull(); // FROM scratch: no OS at all
    expect(tagRelease("acme-corp-app", "1")).toBeUndefined();
    expect(tagRelease("../os", "1")).toBeUndefined();
    // Case-sensitive, as Docker.
    expect(tagRelease("rust", "1.93-TRIXIE")).toBeNull();
  });
});

describe("osRelease, namedRelease, osReleases", () => {
  it("finds releases by codename, version or a longer version", () => {
    expect(osRelease("debian", "trixie")?.key).toBe("debian:trixie");
    expect(osRelease("debian", "13")?.key).toBe("debian:trixie");
    expect(osRelease("debian", "12.5")?.key).toBe("debian:bookworm");
    expect(osRelease("ubuntu", "24.04")?.key).toBe("ubuntu:noble");
    expect(osRelease("alpine", "3.20.3")?.key).toBe("alpine:3.20");
    expect(osRelease("windows", "ltsc2022")?.key).toBe("windows:ltsc2022");
    expect(osRelease("debian", "nosuch")).toBeNull();
    expect(osRelease("plan9", "4")).toBeNull();
  });

  it("names the release a tag names by itself", () => {
    expect(namedRelease("1.93-trixie")?.key).toBe("debian:trixie");
    expect(namedRelease("3.20-alpine3.20")?.key).toBe("alpine:3.20");
    expect(namedRelease("3.9-eclipse-temurin-17-noble")?.key).toBe("ubuntu:noble");
    expect(namedRelease("1.25-windowsservercore-ltsc2022")?.key).toBe("windows:ltsc2022");
    expect(namedRelease("21-jdk-ubi9-minimal")?.key).toBe("ubi:9");
    expect(namedRelease("lunar-ros-core-xenial")?.key).toBe("ubuntu:xenial");
    expect(namedRelease("1.93")).toBeNull();
    expect(namedRelease("latest")).toBeNull();
  });

  it("lists every release once, each with its key", () => {
    const all = osReleases();
    expect(new Set(all.map((o) => o.key)).size).toBe(all.length);
    expect(all.find((o) => o.key === "debian:bookworm")).toMatchObject({
      distro: "debian",
      version: "12",
      codename: "bookworm",
      libc: "glibc",
      libcVersion: "2.36",
    });
  });
});

describe("libcFits", () => {
  const os = (distro: string, release: string) => osRelease(distro, release) as OsRelease;
  it("a newer runtime fits, an older one does not", () => {
    expect(libcFits(os("debian", "bookworm"), os("debian", "trixie"))).toBe(true);
    expect(libcFits(os("debian", "trixie"), os("debian", "bookworm"))).toBe(false);
    expect(libcFits(os("debian", "trixie"), os("debian", "trixie"))).toBe(true);
    expect(libcFits(os("ubuntu", "jammy"), os("debian", "trixie"))).toBe(true); // 2.35 ≤ 2.41
  });
  it("glibc and musl never fit each other; unknown versions never fit", () => {
    expect(libcFits(os("debian", "bookworm"), os("alpine", "3.20"))).toBe(false);
    expect(libcFits(os("alpine", "3.20"), os("debian", "trixie"))).toBe(false);
    expect(libcFits(os("alpine", "3.19"), os("alpine", "3.20"))).toBe(true);
    const noVersion: OsRelease = { key: "debian", distro: "debian", libc: "glibc" };
    expect(libcFits(noVersion, os("debian", "trixie"))).toBe(false);
    expect(libcFits(os("debian", "bookworm"), noVersion)).toBe(false);
  });
  it("compares versions as numbers (2.9 < 2.10)", () => {
    const g = (v: string): OsRelease => ({
      key: v,
      distro: "other",
      libc: "glibc",
      libcVersion: v,
    });
    expect(libcFits(g("2.9"), g("2.10"))).toBe(true);
    expect(libcFits(g("2.10"), g("2.9"))).toBe(false);
  });
});

describe("committed data: format", () => {
  const header = JSON.parse(readFileSync(new URL("os.json", DATA), "utf8")) as OsTable;

  it("is in the format this code reads, with the commit it came from", () => {
    expect(header.format).toBe(FORMAT);
    expect(header.officialImages.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(Number.isNaN(Date.parse(header.officialImages.date))).toBe(false);
  });

  it("has one file per listed repository, each in the current format", () => {
    const files = readdirSync(new URL("repos/", DATA)).map((f) => f.replace(/\.json$/, ""));
    expect(files.sort()).toEqual([...header.repos].sort());
    for (const f of files) {
      const text = readFileSync(new URL(`repos/${f}.json`, DATA), "utf8");
      expect(text.startsWith(`{"format":${FORMAT},"releases":{\n`), f).toBe(true);
    }
  });

  it("every value a mirror read or a hand-kept table gave says which", () => {
    for (const [key, row] of Object.entries(header.os)) {
      if (row.libcVersion) expect(row.libcSource, key).toMatch(/^(Debian mirror: |hand-kept: )/);
    }
    expect(header.os["debian:trixie"]?.libcSource).toMatch(/^Debian mirror: dists\/trixie\//);
  });

  it("the text search finds what the JSON says, for every repository", () => {
    const data = new ReleaseData(new URL(".", DATA).pathname);
    for (const repo of header.repos) {
      const file = JSON.parse(
        readFileSync(new URL(`repos/${repo}.json`, DATA), "utf8"),
      ) as RepoFile;
      const entries = Object.entries(file.releases).flatMap(([key, days]) =>
        Object.entries(days).flatMap(([day, list]) =>
          list.split(",").map((tag) => ({ tag, key, day })),
        ),
      );
      // Every tag of small repositories, an even sample of large ones.
      const step = Math.max(1, Math.floor(entries.length / 400));
      for (let i = 0; i < entries.length; i += step) {
        const { tag, key, day } = entries[i]!;
        const r = data.tagRelease(repo, tag);
        expect(r?.os.key, `${repo}:${tag}`).toBe(key);
        expect(r?.lastDefined, `${repo}:${tag}`).toBe(day);
        expect(r?.pin, `${repo}:${tag}`).toBe(file.pins[tag]);
      }
    }
  });
});

// ---- the generator, on a small official-images history made here ----------------------------

function git(dir: string, args: string[], date?: string) {
  const env = { ...process.env, GIT_AUTHOR_DATE: date ?? "", GIT_COMMITTER_DATE: date ?? "" };
  const r = spawnSync(
    "git",
    ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", ...args],
    { encoding: "utf8", env: date ? env : process.env },
  );
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

function commit(dir: string, date: string, files: Record<string, string | null>, message: string) {
  for (const [path, text] of Object.entries(files)) {
    if (text === null) rmSync(join(dir, path));
    else {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  }
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "-m", message], date);
}

const OLD_DEBIAN = `# maintainer: someone
7.5: git://github.com/tianon/docker-brew-debian@aaaa wheezy
7: git://github.com/tianon/docker-brew-debian@aaaa wheezy
wheezy: git://github.com/tianon/docker-brew-debian@aaaa wheezy
latest: git://github.com/tianon/docker-brew-debian@aaaa wheezy
`;
const OLD_IMAGE = `1.0: git://github.com/x/old@bbbb 1.0/wheezy
1.0-wheezy: git://github.com/x/old@bbbb 1.0/wheezy
latest: git://github.com/x/old@bbbb 1.0/wheezy
`;
const DEBIAN = `Maintainers: someone
GitRepo: https://github.com/x/debian.git
GitCommit: cccc

# bookworm -- Debian 12.4
Tags: bookworm, bookworm-20240110, 12.4, 12, latest
Directory: bookworm

Tags: trixie, trixie-20240110
Directory: trixie

Tags: stable, stable-20240110
Directory: stable
`;
const UBUNTU = `Maintainers: someone
GitRepo: https://git.launchpad.net/x
GitCommit: eeee

Tags: 24.04, noble-20240101, noble, latest
Directory: oci
`;
const APP_2024 = (source: string) => `Maintainers: someone
GitRepo: https://github.com/x/app.git
GitCommit: dddd

Tags: 1.0-windowsservercore-ltsc2022, 1.0-windowsservercore
SharedTags: 1.0, 1, latest
Architectures: windows-amd64
Directory: 1.0/windows/windowsservercore-ltsc2022
Constraints: windowsservercore-ltsc2022

Tags: 1.0-bookworm, 1-bookworm, bookworm
SharedTags: 1.0, 1, latest
Directory: 1.0/bookworm

Tags: 1.0-slim-bookworm, 1.0-slim, x
Directory: 1.0/bookworm/slim

Tags: 1.0-alpine3.19, 1.0-alpine
Directory: 1.0/alpine3.19

Tags: 2.0-bookworm, 2.0
Directory: 2.0/bookworm

Tags: 1.0-jdk-noble, 1.0-jdk
Directory: 1.0/jdk/ubuntu/noble

Tags: 27, 27.1
Directory: 27

Tags: 28
GitRepo: https://github.com/x/app-src.git
GitCommit: ${source}
Directory: 28

Tags: 29
GitRepo: https://github.com/x/app-src.git
GitCommit: ${source}
Directory: 29

Tags: 30-alpine
GitRepo: https://github.com/x/app-src.git
GitCommit: ${source}
Directory: 30/alpine
File: Dockerfile.alpine
`;
// 2025: 1.0 is dropped (its tags keep their last definition), 1 and latest move to trixie, and
// 2.0-bookworm is (oddly) rebuilt from a trixie directory, so it no longer pins 2.0.
const APP_2025 = `Maintainers: someone
GitRepo: https://github.com/x/app.git
GitCommit: ffff

Tags: 1.1-trixie, 1-trixie, trixie, 1.1, 1, latest
Directory: 1.1/trixie

Tags: 2.0-bookworm
Directory: 2.0/trixie
`;

describe("the generator on a synthetic history", () => {
  let dir = "";
  let out = "";
  let sources = "";
  let data: ReleaseData;
  let server: Server;

  beforeAll(async () => {
    // The image sources (for --sources): 28 is built FROM app:1.0-slim through an ARG and a
    // build stage, 29 FROM app:28, 30-alpine (named only "alpine") FROM app:1.0-alpine3.19.
    sources = tempDir("msb-image-sources-");
    const src = join(sources, "x", "app-src");
    mkdirSync(src, { recursive: true });
    git(src, ["init", "-q"]);
    commit(
      src,
      "2024-01-01T00:00:00Z",
      {
        "28/Dockerfile": "ARG BASE=app:1.0-slim\nFROM golang:1 AS build\nFROM ${BASE}\n",
        "29/Dockerfile": "FROM app:28\n",
        "30/alpine/Dockerfile.alpine": "FROM app:1.0-alpine3.19 AS base\nFROM base\n",
      },
      "sources",
    );
    const source = git(src, ["rev-parse", "HEAD"]);
    dir = tempDir("msb-official-images-");
    out = tempDir("msb-releases-");
    git(dir, ["init", "-q", "-b", "master"]);
    commit(
      dir,
      "2014-06-01T12:00:00Z",
      { "library/debian": OLD_DEBIAN, "library/old": OLD_IMAGE, "README.md": "x" },
      "old format",
    );
    commit(
      dir,
      "2024-01-10T12:00:00Z",
      {
        "library/debian": DEBIAN,
        "library/ubuntu": UBUNTU,
        "library/app": APP_2024(source),
        "library/MAINTAINERS": "someone <a@b> (@c)\n",
      },
      "new format",
    );
    // A pull request: its commit is dated 2025-08-20, it lands on master on 2025-09-01.
    git(dir, ["checkout", "-q", "-b", "pr"]);
    // Its first commit adds a 3.0 that its second drops: 3.0 never reached the mainline.
    const draft = `${APP_2025}\nTags: 3.0-trixie, 3.0\nDirectory: 3.0/trixie\n`;
    commit(dir, "2025-08-19T12:00:00Z", { "library/app": draft }, "app 1.1 and 3.0");
    commit(dir, "2025-08-20T12:00:00Z", { "library/app": APP_2025 }, "app 1.1");
    git(dir, ["checkout", "-q", "master"]);
    git(dir, ["merge", "-q", "--no-ff", "-m", "Merge pr", "pr"], "2025-09-01T12:00:00Z");

    // A previous run read trixie's libc from the mirror; today's mirror serves bookworm only.
    mkdirSync(join(out, "repos"), { recursive: true });
    writeFileSync(join(out, "repos", "gone.json"), "{}");
    const previous: Partial<OsTable> = {
      os: {
        "debian:trixie": {
          distro: "debian",
          libc: "glibc",
          libcVersion: "2.40",
          libcSource: "Debian mirror: dists/trixie/main/binary-amd64/Packages.gz (libc6 2.40-1)",
        },
      },
    };
    writeFileSync(join(out, "os.json"), JSON.stringify(previous));
    const packages = gzipSync(
      "Package: libc-bin\nVersion: 2.36-9\n\nPackage: libc6\nSource: glibc\nVersion: 2.36-9+deb12u4\n\nPackage: libc6-dev\nVersion: 2.36-9+deb12u4\n",
    );
    server = createServer((req, res) => {
      if (req.url === "/debian/dists/bookworm/main/binary-amd64/Packages.gz") res.end(packages);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    await generate({ officialImages: dir, out, mirror: `http://127.0.0.1:${port}/debian` });
    data = new ReleaseData(out);
  });

  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
    rmSync(sources, { recursive: true, force: true });
  });

  it("writes the header: format, the commit and date generated from, codenames from the history", () => {
    const header = data.header();
    expect(header.format).toBe(FORMAT);
    expect(header.officialImages.commit).toBe(git(dir, ["rev-parse", "HEAD"]));
    expect(header.officialImages.date).toMatch(/^2025-09-01T12:00:00/);
    expect(header.codenames.debian).toMatchObject({ wheezy: "7", bookworm: "12", trixie: "" });
    expect(header.codenames.ubuntu).toMatchObject({ noble: "24.04" });
    expect(header.repos).toEqual(["app", "debian", "old", "ubuntu"]);
    expect(existsSync(join(out, "repos", "gone.json"))).toBe(false);
  });

  it("a redefined tag resolves to its newest definition, dated when it landed on the mainline", () => {
    expect(data.tagRelease("app", "1")).toEqual({
      os: expect.objectContaining({ key: "debian:trixie" }),
      pin: "1-trixie",
      named: false,
      lastDefined: "2025-09-01",
    });
    expect(data.tagRelease("app", "latest")).toMatchObject({
      os: { key: "debian:trixie" },
      pin: "trixie",
    });
  });

  it("a removed tag keeps its last definition; a SharedTag is the Linux entry's", () => {
    expect(data.tagRelease("app", "1.0")).toEqual({
      os: expect.objectContaining({ key: "debian:bookworm" }),
      pin: "1.0-bookworm",
      named: false,
      lastDefined: "2024-01-10",
    });
    expect(data.tagRelease("app", "1.0-windowsservercore")).toMatchObject({
      os: { key: "windows:ltsc2022", distro: "windows", libc: "none" },
      pin: "1.0-windowsservercore-ltsc2022",
    });
  });

  it("pins: a variant, a family word that stays, an Ubuntu directory; none without a sibling", () => {
    expect(data.tagRelease("app", "1.0-slim")?.pin).toBe("1.0-slim-bookworm");
    expect(data.tagRelease("app", "1.0-alpine")).toMatchObject({
      os: { key: "alpine:3.19", libc: "musl", libcVersion: "1.2.4" },
      pin: "1.0-alpine3.19",
    });
    expect(data.tagRelease("app", "1.0-jdk")).toMatchObject({
      os: { key: "ubuntu:noble" },
      pin: "1.0-jdk-noble",
    });
    const x = data.tagRelease("app", "x")!;
    expect(x.os.key).toBe("debian:bookworm");
    expect(x.pin).toBeUndefined();
    expect(data.tagRelease("app", "1.0-bookworm")).toMatchObject({ named: true });
  });

  it("no pin when the sibling's own last definition is another release", () => {
    expect(data.tagRelease("app", "2.0-bookworm")?.os.key).toBe("debian:trixie");
    const r = data.tagRelease("app", "2.0")!;
    expect(r.os.key).toBe("debian:bookworm");
    expect(r.pin).toBeUndefined();
  });

  it("what only a pull request's intermediate commit defined was never published", () => {
    expect(data.tagRelease("app", "3.0")).toBeNull();
  });

  it("an entry that names no release is unknown", () => {
    expect(data.tagRelease("app", "27")).toBeNull();
    expect(data.tagRelease("app", "nope")).toBeNull();
    expect(data.tagRelease("MAINTAINERS", "x")).toBeUndefined();
  });

  it("with --sources, entries that name no release follow their Dockerfile's FROM", async () => {
    expect(data.tagRelease("app", "28")).toBeNull();
    expect(data.tagRelease("app", "30-alpine")?.os.key).toBe("alpine");
    const out2 = tempDir("msb-releases-");
    try {
      await generate({ officialImages: dir, out: out2, mirror: null, sources });
      const withSources = new ReleaseData(out2);
      expect(withSources.tagRelease("app", "28")?.os.key).toBe("debian:bookworm");
      expect(withSources.tagRelease("app", "29")?.os.key).toBe("debian:bookworm");
      expect(withSources.tagRelease("app", "30-alpine")?.os.key).toBe("alpine:3.19");
      expect(withSources.tagRelease("app", "27")).toBeNull(); // its commit is not in the clone
      expect(withSources.header().sources).toEqual({
        [join("x", "app-src")]: git(join(sources, "x", "app-src"), ["rev-parse", "HEAD"]),
      });
    } finally {
      rmSync(out2, { recursive: true, force: true });
    }
  });

  it("reads the old line format (entries are the lines sharing repository, commit and directory)", () => {
    expect(data.tagRelease("old", "1.0")).toEqual({
      os: expect.objectContaining({ key: "debian:wheezy", version: "7" }),
      pin: "1.0-wheezy",
      named: false,
      lastDefined: "2014-06-01",
    });
    expect(data.tagRelease("debian", "7")?.os.key).toBe("debian:wheezy");
  });

  it("Debian's suites mean what they meant then; OS images' own tags name their release", () => {
    expect(data.tagRelease("debian", "stable")?.os.key).toBe("debian:bookworm");
    expect(data.tagRelease("debian", "latest")).toMatchObject({
      os: { key: "debian:bookworm" },
      pin: "bookworm",
    });
    expect(data.tagRelease("ubuntu", "latest")).toMatchObject({
      os: { key: "ubuntu:noble" },
      pin: "noble",
    });
  });

  it("libc: read from the mirror, kept from the previous run, or hand-kept, each saying which", () => {
    const os = data.header().os;
    expect(os["debian:bookworm"]).toMatchObject({
      libcVersion: "2.36",
      libcSource:
        "Debian mirror: dists/bookworm/main/binary-amd64/Packages.gz (libc6 2.36-9+deb12u4)",
    });
    expect(os["debian:trixie"]).toMatchObject({
      libcVersion: "2.40",
      libcSource: expect.stringMatching(/^Debian mirror: .*2\.40-1/),
    });
    expect(os["debian:wheezy"]).toMatchObject({
      libcVersion: "2.13",
      libcSource: expect.stringMatching(/^hand-kept: packages\.debian\.org/),
    });
    expect(os["windows:ltsc2022"]?.libcVersion).toBeUndefined();
  });
});

describe("finalBase: the image a Dockerfile's final stage is built FROM", () => {
  it("follows ARG defaults, stage names and line continuations", () => {
    expect(finalBase("FROM debian:trixie\nRUN x\n")).toBe("debian:trixie");
    expect(finalBase("ARG V=3.13\nFROM python:${V}-slim\n")).toBe("python:3.13-slim");
    expect(finalBase("FROM golang:1 AS b\nFROM --platform=$X \\\n  b\n")).toBe("golang:1");
    expect(finalBase("from alpine:3.20 as base\nFROM base\n")).toBe("alpine:3.20");
  });
  it("says null for a variable without a default, scratch, or no FROM", () => {
    expect(finalBase("ARG BASE\nFROM ${BASE}\n")).toBeNull();
    expect(finalBase("FROM golang:1 AS b\nFROM scratch\n")).toBeNull();
    expect(finalBase("RUN x\n")).toBeNull();
  });
});

describe("aptMirror", () => {
  it("reads the main archive from deb822 sources, not the security one", () => {
    const etc = tempDir("msb-apt-");
    mkdirSync(join(etc, "sources.list.d"));
    writeFileSync(
      join(etc, "sources.list.d", "debian.sources"),
      "Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\nComponents: main\n\n" +
        "Types: deb deb-src\n# a comment\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n",
    );
    expect(aptMirror(etc)).toBe("http://mirror.example/debian");
    rmSync(etc, { recursive: true });
  });

  it("reads sources.list deb lines (options allowed), and says null when there are none", () => {
    const etc = tempDir("msb-apt-");
    expect(aptMirror(etc)).toBeNull();
    writeFileSync(
      join(etc, "sources.list"),
      "# deb http://old.example/debian wheezy main\ndeb [arch=amd64] http://list.example/debian bookworm main\n",
    );
    expect(aptMirror(etc)).toBe("http://list.example/debian");
    rmSync(etc, { recursive: true });
  });
});
