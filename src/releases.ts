// The OS release behind every official image tag, and whether a program built on one release's C
// library runs on another's. The data is generated from the history of
// docker-library/official-images (npm run data:releases) into data/releases/ and read lazily:
// nothing at import, the OS table on first use, a repository's file when it is first asked about.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ReleaseData } from "./release-table.js";

export interface OsRelease {
  /** Stable key: "debian:trixie", "ubuntu:noble", "alpine:3.20", "windows:ltsc2022", "amazonlinux:2"… */
  key: string;
  distro: "debian" | "ubuntu" | "alpine" | "windows" | "rhel" | "other";
  /** Debian "13", Ubuntu "24.04", Alpine "3.20" (when known). */
  version?: string;
  /** Debian/Ubuntu codename (when the distro has them). */
  codename?: string;
  libc: "glibc" | "musl" | "none" | "unknown";
  /** "2.41" for trixie's glibc, "1.2.5" for Alpine 3.20's musl (when known). */
  libcVersion?: string;
}

/** What a pull of `<repo>:<tag>` resolves to today, per the tag's last definition. */
export interface TagRelease {
  os: OsRelease;
  /**
   * A sibling tag of the same definition that names the release (`1.93` → `1.93-trixie`,
   * `latest` → `trixie`, `3.13-slim` → `3.13-slim-trixie`); absent when the tag names it itself or
   * no sibling does.
   */
  pin?: string;
  /** Whether the tag itself names the release (`1.93-trixie`, `3.20-alpine3.20`). */
  named: boolean;
  /** ISO date of the commit that last defined the tag. */
  lastDefined: string;
}

// data/releases/ sits beside src/ in the repository, one level up from the bundle in dist/ and
// two from dist/src/: found on first use, not at import.
const data = new ReleaseData(() => {
  const dirs = [
    new URL("../data/releases", import.meta.url),
    new URL("../../data/releases", import.meta.url),
  ];
  const dir = dirs.map((u) => fileURLToPath(u)).find((d) => existsSync(`${d}/os.json`));
  if (!dir) throw new Error("data/releases/os.json not found (npm run data:releases)");
  return dir;
});

/**
 * The release of an official image tag. `undefined`: the repository is not an official image
 * (no data for it); `null`: the repository is known but the tag is not, or its release is not.
 */
export function tagRelease(repo: string, tag: string): TagRelease | null | undefined {
  return data.tagRelease(repo, tag);
}

/** An OS release by distro and codename or version ("debian","trixie" / "debian","13" / "alpine","3.20"). */
export function osRelease(distro: string, release: string): OsRelease | null {
  return data.osRelease(distro, release);
}

/** Every OS release the table knows. */
export function osReleases(): OsRelease[] {
  return data.osReleases();
}

/**
 * The release a tag string names by itself: `1.93-trixie` → debian:trixie, `3.20-alpine3.20` →
 * alpine:3.20, `3.9-eclipse-temurin-17-noble` → ubuntu:noble; null when it names none.
 */
export function namedRelease(tag: string): OsRelease | null {
  return data.namedRelease(tag);
}

/**
 * Can a program built against `builder`'s C library run on `runtime`'s? Same libc family and the
 * runtime's version is not older. Unknown versions never fit.
 */
export function libcFits(builder: OsRelease, runtime: OsRelease): boolean {
  if (builder.libc !== runtime.libc) return false;
  if (builder.libc !== "glibc" && builder.libc !== "musl") return false;
  if (!builder.libcVersion || !runtime.libcVersion) return false;
  return compareVersions(runtime.libcVersion, builder.libcVersion) >= 0;
}

/** Dotted version order (2.36 < 2.41 < 2.41.1). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
