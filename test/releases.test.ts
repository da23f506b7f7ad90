import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FORMAT, ReleaseData, type OsTable, type RepoFile } from "../src/release-table.js";
import {
  libcFits,
  namedRelease,
  osRelease,
  osReleases,
  tagRelease,
  type OsRelease,
} from "../src/releases.js";

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
    expect(tagRelease("erlang", "27")).toBeNull(); // Directory: 27 names no release
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
