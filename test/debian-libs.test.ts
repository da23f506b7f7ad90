// The -dev → runtime-library table generated from the Debian archive (scripts/gen-debian-libs.ts,
// data/debian-runtime-libs.json, src/debian-libs.ts): the derivation on a small synthetic archive,
// the committed data on real facts, and the hand table (data/packages.yaml) against it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { mirrorsFromSources } from "../scripts/debian-libs/apt-sources.js";
import { parsePackages, parseRelations, parseRelease } from "../scripts/debian-libs/archive.js";
import {
  deriveRuntimeLibs,
  GENERATOR_VERSION,
  type DeriveStats,
} from "../scripts/debian-libs/derive.js";
import { compact, serialise } from "../scripts/debian-libs/table.js";
import {
  debianReleasesInData,
  debianRuntimeLibs,
  entryFor,
  type RuntimeLibsFile,
} from "../src/debian-libs.js";
import { repoRoot } from "./helpers.js";

const stanza = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
/** A Packages file from `name: [source, section, depends?, provides?]`. */
function packagesText(pkgs: Record<string, [string, string, string?, string?]>): string {
  return (
    Object.entries(pkgs)
      .map(([name, [source, section, depends, provides]]) =>
        stanza({
          Package: name,
          ...(source === name ? {} : { Source: source }),
          Version: "1.0-1",
          Section: section,
          ...(depends ? { Depends: depends } : {}),
          ...(provides ? { Provides: provides } : {}),
        }),
      )
      .join("\n\n") + "\n"
  );
}

/** One synthetic suite; `ssl` is the library package name, so two suites can differ by a rename. */
function suite(ssl: string) {
  return packagesText({
    // the compiler, and what build-essential pulls in
    "build-essential": ["build-essential", "devel", "libc6-dev | libc-dev, g++ (>= 4:12)"],
    "g++": ["gcc-defaults", "devel", "libstdc++-12-dev (>= 12)"],
    "libstdc++-12-dev": ["gcc-12", "libdevel", "libstdc++6 (>= 12), libc6-dev"],
    "libstdc++6": ["gcc-12", "libs", "libc6"],
    "libc6-dev": ["glibc", "libdevel", "libc6 (= 2.36-9), linux-libc-dev", "libc-dev"],
    libc6: ["glibc", "libs"],
    "linux-libc-dev": ["linux", "devel"],
    // same source: the library, not its -bin, -common or documentation siblings
    [ssl]: ["openssl (3.0.11-1)", "libs", "libc6 (>= 2.34)", ssl === "libssl3" ? "" : "libssl3"],
    "libssl-dev": ["openssl", "libdevel", `${ssl} (= 3.0.11-1), openssl-bin, libssl-common`],
    "openssl-bin": ["openssl", "libs", ssl],
    "libssl-common": ["openssl", "misc"],
    // a library in a section other than libs, and a sibling that is not a library
    "libpython3.11": ["python3.11", "python", "libpython3.11-stdlib"],
    "libpython3.11-stdlib": ["python3.11", "python"],
    "python3.11": ["python3.11", "python", "libpython3.11-stdlib"],
    "libpython3.11-dev": ["python3.11", "libdevel", "libpython3.11-stdlib, libpython3.11 (= 1)"],
    "python3.11-dev": [
      "python3.11",
      "python",
      "python3.11 (= 1), libpython3.11-dev, libpython3.11",
    ],
    // a metapackage: no library of its own, follows its -dev dependencies (any source)
    python3: ["python3-defaults", "python", "python3.11"],
    "libpython3-dev": ["python3-defaults", "python", "libpython3.11-dev (>= 3.11)"],
    "python3-dev": [
      "python3-defaults",
      "python",
      "python3 (= 3.11), libpython3-dev (= 3.11), python3.11-dev (>= 3.11), libjs-sphinxdoc",
    ],
    "libjs-sphinxdoc": ["sphinx", "javascript"],
    // metapackage chain across three sources, and a cycle between two -dev packages
    libmariadb3: ["mariadb", "libs"],
    "libmariadb-dev": ["mariadb", "libdevel", `libmariadb3, libssl-dev, zlib1g-dev`],
    "libmariadb-dev-compat": ["mariadb", "libdevel", "libmariadb-dev (= 1)"],
    "default-libmysqlclient-dev": ["mysql-defaults", "database", "libmariadb-dev-compat"],
    "libcycle-a-dev": ["cycle-a", "libdevel", "libcycle-b-dev"],
    "libcycle-b-dev": ["cycle-b", "libdevel", "libcycle-a-dev, zlib1g-dev"],
    // headers only: no library; a C++ one whose only dependency is the compiler's library
    "rapidjson-dev": ["rapidjson", "libdevel"],
    "libboost1.74-dev": ["boost1.74", "libdevel", "libstdc++-12-dev"],
    "libboost-dev": ["boost-defaults", "libdevel", "libboost1.74-dev"],
    // alternatives and virtual packages
    zlib1g: ["zlib", "libs", "libc6"],
    "zlib1g-dev": ["zlib", "libdevel", "zlib1g (= 1), libc6-dev | libc-dev", "libz-dev"],
    libalt1: ["alt", "libs"],
    "libalt-dev": ["alt", "libdevel", "libnowhere1 | libalt1, libaltvirtual"],
    "libalt-extra2": ["alt", "libs", "", "libaltvirtual"],
    "libamb-dev": ["amb", "libdevel", "libanything"],
    libx1: ["x", "libs", "", "libanything"],
    liby1: ["y", "libs", "", "libanything"],
    "libcurl4-openssl-dev": ["curl", "libdevel", "libcurl4", "libcurl-dev"],
    "libcurl4-gnutls-dev": ["curl", "libdevel", "libcurl3-gnutls", "libcurl-dev"],
    libcurl4: ["curl", "libs"],
    "libcurl3-gnutls": ["curl", "libs"],
    // a library reached through a same-source libdevel package (krb5-multidev), and a
    // transitional -dev: its own library plus the -dev package it now stands for
    "libkrb5-3": ["krb5", "libs"],
    "krb5-multidev": ["krb5", "libdevel", "libkrb5-3, comerr-dev"],
    "libkrb5-dev": ["krb5", "libdevel", "krb5-multidev (= 1)"],
    "comerr-dev": ["e2fsprogs", "libdevel", "libcom-err2"],
    "libcom-err2": ["e2fsprogs", "libs"],
    libtinfo6: ["ncurses", "libs"],
    libncursesw6: ["ncurses", "libs", "libtinfo6"],
    "libncurses-dev": ["ncurses", "libdevel", "libtinfo6, libncursesw6, ncurses-bin"],
    "ncurses-bin": ["ncurses", "utils"],
    "libncurses5-dev": ["ncurses", "oldlibs", "libtinfo6 (= 6.4), libncurses-dev (= 6.4)"],
  });
}

describe("parsing a Packages file", () => {
  it("reads relations without versions, architecture qualifiers or restrictions", () => {
    expect(
      parseRelations("libssl3t64 (= 3.5.9-1~deb13u1), python3:any | perl [amd64], foo <!nocheck>"),
    ).toEqual([["libssl3t64"], ["python3", "perl"], ["foo"]]);
    expect(parseRelations(undefined)).toEqual([]);
  });

  it("keeps source without its version, section without its component, and joins continued fields", () => {
    const { packages, providers } = parsePackages(
      "Package: libfoo-dev\nSource: foo (1.2-1)\nSection: contrib/libdevel\nDepends: libfoo1,\n libbar1\nProvides: libfoo2-dev\n\nPackage: libfoo1\nSection: libs\n",
    );
    expect(packages.get("libfoo-dev")).toEqual({
      name: "libfoo-dev",
      source: "foo",
      section: "libdevel",
      depends: [["libfoo1"], ["libbar1"]],
    });
    expect(packages.get("libfoo1")!.source).toBe("libfoo1");
    expect(providers.get("libfoo2-dev")).toEqual(["libfoo-dev"]);
  });

  it("a package listed twice (two versions in one suite) keeps both stanzas' dependencies", () => {
    const { packages } = parsePackages(
      "Package: libfoo-dev\nDepends: libfoo1\n\nPackage: libfoo-dev\nDepends: libfoo1t64\n",
    );
    expect(packages.get("libfoo-dev")!.depends).toEqual([["libfoo1"], ["libfoo1t64"]]);
  });

  it("reads the Release file's version and date", () => {
    const text =
      "Origin: Debian\nSuite: stable\nVersion: 13.8\nCodename: trixie\nDate: Sat, 21 Nov 2026 09:15:44 UTC\n";
    expect(parseRelease(text)).toEqual({ version: "13.8", date: "2026-11-21T09:15:44Z" });
    expect(parseRelease("Suite: testing\nDate: Fri, 30 Oct 2026 08:08:01 UTC\n")).toEqual({
      date: "2026-10-30T08:08:01Z",
    });
  });
});

describe("deriving runtime packages (synthetic archive)", () => {
  const stats: DeriveStats = { ambiguousVirtuals: 0, depthLimited: 0, deepest: 0 };
  const libs = deriveRuntimeLibs(parsePackages(suite("libssl3")), stats);

  it("takes the same-source library packages, not -bin/-common siblings or other sources", () => {
    expect(libs.get("libssl-dev")).toEqual(["libssl3"]);
    expect(libs.get("libmariadb-dev")).toEqual(["libmariadb3"]); // not libssl3, zlib1g
    expect(libs.get("zlib1g-dev")).toEqual(["zlib1g"]);
    expect(libs.get("libc6-dev")).toEqual(["libc6"]);
  });

  it("counts lib* packages of other sections as libraries, not the interpreter beside them", () => {
    expect(libs.get("python3.11-dev")).toEqual(["libpython3.11", "libpython3.11-stdlib"]);
  });

  it("follows metapackages through -dev packages of other sources", () => {
    expect(libs.get("python3-dev")).toEqual(["libpython3.11", "libpython3.11-stdlib"]);
    expect(libs.get("default-libmysqlclient-dev")).toEqual(["libmariadb3"]);
    expect(libs.get("libmariadb-dev-compat")).toEqual(["libmariadb3"]);
    expect(libs.get("libboost-dev")).toEqual([]);
  });

  it("follows same-source development packages: libdevel helpers and transitional -dev packages", () => {
    expect(libs.get("libkrb5-dev")).toEqual(["libkrb5-3"]); // not comerr-dev's libcom-err2
    expect(libs.get("libncurses5-dev")).toEqual(["libncursesw6", "libtinfo6"]);
  });

  it("gives headers-only packages the empty list, the compiler's own -dev packages not followed", () => {
    expect(libs.get("linux-libc-dev")).toEqual([]);
    expect(libs.get("rapidjson-dev")).toEqual([]);
    expect(libs.get("libboost1.74-dev")).toEqual([]); // only libstdc++-12-dev: not libstdc++6
    expect(libs.get("libstdc++-12-dev")).toEqual(["libstdc++6"]); // asked directly, it answers
  });

  it("ends cycles and takes what the cycle reaches", () => {
    expect(libs.get("libcycle-a-dev")).toEqual(["zlib1g"]);
    expect(libs.get("libcycle-b-dev")).toEqual(["zlib1g"]);
    expect(stats.depthLimited).toBe(0);
    expect(stats.deepest).toBeGreaterThanOrEqual(2);
  });

  it("takes the first real alternative, single-provider virtuals, and skips ambiguous ones", () => {
    expect(libs.get("libalt-dev")).toEqual(["libalt-extra2", "libalt1"]);
    expect(libs.get("libamb-dev")).toEqual([]);
    expect(stats.ambiguousVirtuals).toBe(1);
  });

  it("answers a virtual -dev name with one provider as apt installs it; not one with several", () => {
    expect(libs.get("libz-dev")).toEqual(["zlib1g"]);
    expect(libs.has("libcurl-dev")).toBe(false);
    expect(libs.has("libc-dev")).toBe(true);
    expect(libs.has("libssl3")).toBe(false); // only development packages get entries
  });

  it("folds releases with the same answer, and keeps a t64 rename per release", () => {
    const perRelease = new Map([
      ["bookworm", libs],
      ["trixie", deriveRuntimeLibs(parsePackages(suite("libssl3t64")))],
    ]);
    const packages = compact(perRelease);
    expect(packages["libssl-dev"]).toEqual({ bookworm: ["libssl3"], trixie: ["libssl3t64"] });
    expect(packages["libpq-dev"]).toBeUndefined();
    expect(packages["zlib1g-dev"]).toEqual(["zlib1g"]);
    expect(entryFor(packages["libssl-dev"], "trixie")).toEqual(["libssl3t64"]);
    expect(entryFor(packages["libssl-dev"], "bullseye")).toBeNull();

    const partial = compact(
      new Map([
        ["bookworm", new Map([["only-old-dev", ["libold1"]]])],
        ["trixie", new Map<string, string[]>()],
        ["forky", new Map([["only-old-dev", ["libold1"]]])],
      ]),
    );
    expect(partial["only-old-dev"]).toEqual({ "bookworm forky": ["libold1"] });

    const file: RuntimeLibsFile = {
      about: "test",
      generator: GENERATOR_VERSION,
      releases: { bookworm: { version: "12.1", date: "2023-01-01T00:00:00Z" } },
      packages,
    };
    const text = serialise(file);
    expect(JSON.parse(text)).toEqual(file);
    expect(text).toContain(
      '\n    "libssl-dev": {"bookworm":["libssl3"],"trixie":["libssl3t64"]},\n',
    );
  });
});

describe("the mirror from apt's sources", () => {
  it("takes the archive of a release suite from deb822 and one-line files, never security", () => {
    const deb822 = [
      "Types: deb",
      "# a comment line",
      "URIs: http://mirror.example/debian/",
      "Suites: bookworm bookworm-updates",
      "Components: main",
      "",
      "Types: deb",
      "URIs: http://mirror.example/debian-security",
      "Suites: bookworm-security",
      "",
      "Types: deb",
      "Enabled: no",
      "URIs: http://disabled.example/debian",
      "Suites: trixie",
      "",
      "Types: deb-src",
      "URIs: http://source.example/debian",
      "Suites: trixie",
    ].join("\n");
    const oneLine = [
      "# deb http://commented.example/debian bookworm main",
      "deb [arch=amd64 signed-by=/k.gpg] https://other.example/debian trixie main",
      "deb http://other.example/debian-security trixie-security main",
      "deb cdrom:[Debian 12]/ bookworm main",
    ].join("\n");
    expect(
      mirrorsFromSources([
        { path: "/etc/apt/sources.list.d/debian.sources", text: deb822 },
        { path: "/etc/apt/sources.list", text: oneLine },
      ]),
    ).toEqual(["http://mirror.example/debian", "https://other.example/debian"]);
  });
});

describe("the committed table (data/debian-runtime-libs.json)", () => {
  it("covers bookworm and trixie, with the archive dates and the generator's version", () => {
    const releases = debianReleasesInData();
    expect(releases).toEqual(expect.arrayContaining(["bookworm", "trixie"]));
    const file = JSON.parse(
      readFileSync(repoRoot + "data/debian-runtime-libs.json", "utf8"),
    ) as RuntimeLibsFile;
    expect(file.generator).toBe(GENERATOR_VERSION);
    expect(Object.keys(file.releases)).toEqual(releases);
    for (const r of Object.values(file.releases)) expect(r.date).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(file.releases["bookworm"]!.version).toMatch(/^12\./);
    expect(file.releases["trixie"]!.version).toMatch(/^13\./);
  });

  it.each([
    ["libssl-dev", "bookworm", ["libssl3"]],
    ["libssl-dev", "trixie", ["libssl3t64"]],
    ["libpq-dev", "bookworm", ["libpq5"]],
    ["libpq-dev", "trixie", ["libpq5"]],
    ["libsqlite3-dev", "bookworm", ["libsqlite3-0"]],
    ["zlib1g-dev", "bookworm", ["zlib1g"]],
    ["zlib1g-dev", "trixie", ["zlib1g"]],
    ["libz-dev", "bookworm", ["zlib1g"]],
    ["linux-libc-dev", "bookworm", []],
    ["linux-libc-dev", "trixie", []],
    ["rapidjson-dev", "bookworm", []],
    ["libboost-dev", "bookworm", []],
    ["default-libmysqlclient-dev", "bookworm", ["libmariadb3"]],
    ["libcurl4-openssl-dev", "trixie", ["libcurl4t64"]],
    ["libluajit-5.1-dev", "bookworm", ["libluajit-5.1-2"]],
  ])("%s on %s → %j", (dev, release, expected) => {
    expect(debianRuntimeLibs(dev, release)).toEqual(expected);
  });

  it("python3-dev follows the default Python's -dev package to its library", () => {
    expect(debianRuntimeLibs("python3-dev", "bookworm")).toEqual(
      expect.arrayContaining(["libpython3.11"]),
    );
    expect(debianRuntimeLibs("python3-dev", "trixie")).toEqual(
      expect.arrayContaining(["libpython3.13"]),
    );
  });

  it("libboost-program-options-dev → the versioned library of the release's Boost", () => {
    for (const release of ["bookworm", "trixie"]) {
      const libs = debianRuntimeLibs("libboost-program-options-dev", release)!;
      expect(libs).toHaveLength(1);
      expect(libs[0]).toMatch(/^libboost-program-options1\.\d+\.\d+$/);
    }
    expect(debianRuntimeLibs("libboost-program-options-dev", "bookworm")).toEqual([
      "libboost-program-options1.74.0",
    ]);
  });

  it("null for a package or a release not in the data; answers are copies", () => {
    expect(debianRuntimeLibs("no-such-package-dev", "bookworm")).toBeNull();
    expect(debianRuntimeLibs("libssl-dev", "buster")).toBeNull();
    expect(debianRuntimeLibs("libssl-dev", "noble")).toBeNull();
    expect(debianRuntimeLibs("libmysqlclient-dev", "bookworm")).toBeNull(); // Ubuntu's, not Debian's
    expect(debianRuntimeLibs("constructor", "bookworm")).toBeNull();
    debianRuntimeLibs("libssl-dev", "bookworm")!.push("changed");
    expect(debianRuntimeLibs("libssl-dev", "bookworm")).toEqual(["libssl3"]);
  });
});

// Every disagreement between the hand table and the generated one, on bookworm and trixie, with why.
// The test fails on a new disagreement and on a line here that no longer disagrees.
const t64 = "trixie's 64-bit time_t rename; the hand name is only a virtual provided by it";
const removed = "the hand package is not in trixie (a newer soname replaced it)";
const siblings =
  "generated adds the other libraries of the same source the -dev package depends on";
const KNOWN_DISAGREEMENTS: Record<string, string> = {
  "libpcap-dev trixie": t64,
  "libcurl4-gnutls-dev trixie": t64,
  "libreadline-dev trixie": t64,
  "libuv1-dev trixie": t64,
  "libgpgme-dev trixie": t64,
  "libbtrfs-dev trixie": t64,
  "libgoogle-glog-dev trixie": t64,
  "libmagic-dev trixie": t64,
  "libgdbm-dev trixie": t64,
  "libdb-dev trixie": t64,
  "libelf-dev trixie": t64,
  "libfuse-dev trixie": t64,
  "libarchive-dev trixie": t64,
  "libassuan-dev trixie": `${removed}: libassuan9`,
  "libhiredis-dev trixie": `${removed}: libhiredis1.1.0`,
  "libgit2-dev trixie": `${removed}: libgit2-1.9`,
  "libldap2-dev trixie": `${removed}: libldap2`,
  "libncurses-dev bookworm": `${siblings}: libncurses6, libtinfo6`,
  "libncurses-dev trixie": `${siblings}: libncurses6, libtinfo6`,
  "libncurses5-dev bookworm":
    "transitional to libncurses-dev, which links libncurses.so.6; the hand's libncurses5 is the old ABI",
  "libncurses5-dev trixie": "transitional to libncurses-dev; libncurses5 is not in trixie",
  "libncursesw5-dev bookworm":
    "transitional to libncurses-dev, which links libncursesw.so.6; the hand's libncursesw5 is the old ABI",
  "libncursesw5-dev trixie": "transitional to libncurses-dev; libncursesw5 is not in trixie",
  "libgmp-dev bookworm": `${siblings}: libgmpxx4ldbl (C++)`,
  "libgmp-dev trixie": `${siblings}: libgmpxx4ldbl (C++)`,
  "libevent-dev bookworm": `${siblings}: libevent-core, -extra, -openssl, -pthreads`,
  "libevent-dev trixie": `${siblings}, t64 names; the hand's libevent-2.1-7 is only a virtual there`,
  "libmysqlclient-dev bookworm": "Oracle's MySQL client: Ubuntu has it, Debian does not (null)",
  "libmysqlclient-dev trixie": "Oracle's MySQL client: Ubuntu has it, Debian does not (null)",
  "libpcre3-dev bookworm": `${siblings}: libpcre16-3, libpcre32-3, libpcrecpp0v5`,
  "libpcre3-dev trixie": "PCRE 1 was removed from trixie (null); libpcre3 is not there either",
  "libpcre2-dev bookworm": `${siblings}: libpcre2-16-0, -32-0, -posix3`,
  "libpcre2-dev trixie": `${siblings}: libpcre2-16-0, -32-0, -posix3`,
  "libdevmapper-dev bookworm": `${siblings}: libdevmapper-event1.02.1`,
  "libdevmapper-dev trixie": `${siblings}: libdevmapper-event1.02.1`,
  "libprotobuf-dev bookworm": `${siblings}: libprotobuf-lite32`,
  "libprotobuf-dev trixie": `${siblings}, t64 names; the hand's libprotobuf32 is only a virtual there`,
  "libwebp-dev bookworm": `${siblings}: libwebpdemux2, libwebpmux3`,
  "libwebp-dev trixie": `${siblings}: libsharpyuv0, libwebpdecoder3, libwebpdemux2, libwebpmux3`,
  "libtiff-dev bookworm": `${siblings}: libtiffxx6 (C++)`,
  "libtiff-dev trixie": `${siblings}: libtiffxx6 (C++)`,
  "libkrb5-dev bookworm": `${siblings} (through krb5-multidev): GSSAPI, k5crypto, kadm5, gssrpc`,
  "libkrb5-dev trixie": `${siblings} (through krb5-multidev): GSSAPI, k5crypto, kadm5, gssrpc`,
  "libgomp1 bookworm": "not a -dev package: the hand row maps a runtime package to itself (null)",
  "libgomp1 trixie": "not a -dev package: the hand row maps a runtime package to itself (null)",
  "libmemcached-dev bookworm": `${siblings}: libhashkit2, libmemcachedutil2`,
  "libmemcached-dev trixie": `${siblings}: libhashkit2t64, libmemcachedutil2t64`,
  "libc-client-dev trixie": "UW IMAP was removed from trixie (null); libc-client2007e is not there",
  "libmagickwand-dev bookworm": `${siblings}: libmagickcore-6.q16-6 and its -extra`,
  "libmagickwand-dev trixie": `${siblings}: libmagickcore-7.q16-10 and its -extra`,
  "libgdbm-compat-dev bookworm": `${siblings}: libgdbm6 (through libgdbm-dev)`,
  "libgdbm-compat-dev trixie": `${siblings}: libgdbm6t64 (through libgdbm-dev)`,
};

describe("the hand table (data/packages.yaml runtimeCounterparts.apt) against the generated one", () => {
  const yaml = parseYaml(readFileSync(repoRoot + "data/packages.yaml", "utf8")) as {
    runtimeCounterparts: { apt: Record<string, string | Record<string, string>> };
  };
  const rows = Object.entries(yaml.runtimeCounterparts.apt);

  it("has the rows this comparison is about", () => {
    expect(rows.length).toBeGreaterThan(50);
  });

  it("agrees on bookworm and trixie, but for the listed disagreements", () => {
    const disagreements: Record<string, string> = {};
    for (const [dev, row] of rows) {
      for (const release of ["bookworm", "trixie"]) {
        const hand = typeof row === "string" ? row : (row[release] ?? row["default"]);
        const generated = debianRuntimeLibs(dev, release);
        if (JSON.stringify(generated) !== JSON.stringify([hand])) {
          disagreements[`${dev} ${release}`] =
            `hand ${hand}, generated ${JSON.stringify(generated)}`;
        }
      }
    }
    // On failure: each new disagreement with both answers, and each listed one that went away.
    const unexpected = Object.fromEntries(
      Object.entries(disagreements).filter(([key]) => !(key in KNOWN_DISAGREEMENTS)),
    );
    const gone = Object.keys(KNOWN_DISAGREEMENTS).filter((key) => !(key in disagreements));
    expect({ unexpected, gone }).toEqual({ unexpected: {}, gone: [] });
  });

  it("where the generated answer adds siblings, it holds the hand package (or its t64 name)", () => {
    for (const [key, reason] of Object.entries(KNOWN_DISAGREEMENTS)) {
      if (!reason.startsWith(siblings)) continue;
      const [dev, release] = key.split(" ") as [string, string];
      const row = yaml.runtimeCounterparts.apt[dev]!;
      const hand = typeof row === "string" ? row : (row[release] ?? row["default"])!;
      const generated = debianRuntimeLibs(dev, release)!;
      // trixie's rename: libevent-2.1-7 → libevent-2.1-7t64
      const names = generated.includes(hand) ? hand : `${hand}t64`;
      expect(generated, key).toContain(names);
    }
  });
});
