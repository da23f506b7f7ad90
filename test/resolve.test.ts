// `--resolve` without an engine: the ELF reader on a made-up ELF, the inspect script's output read
// back, and convert(text, { observed }) with recorded facts (fixtures/resolve-*/case.json hold
// real ones; these vary one fact at a time). The real builds are in test/e2e/resolve.test.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { convert } from "../src/index.js";
import { readElf } from "../src/resolve/elf.js";
import { addedPaths, parseInspection } from "../src/resolve/inspect.js";
import { resolveDockerfile } from "../src/resolve/index.js";
import type { ObservedFacts, ObservedFile } from "../src/types.js";
import { fixturesDir } from "./helpers.js";

/** A little-endian ELF64 with the given interpreter, NEEDED names and GLIBC_ versions. */
function makeElf(interp: string | null, needed: string[], versions: string[]): Buffer {
  const strs = ["", ...needed, ...versions];
  const strOff: number[] = [];
  let strtab = "";
  for (const s of strs) {
    strOff.push(strtab.length);
    strtab += s + "\0";
  }
  const ehdr = 64;
  const phnum = 3;
  const phdrs = ehdr;
  const interpAt = phdrs + phnum * 56;
  const interpBytes = interp ? Buffer.from(interp + "\0", "latin1") : Buffer.alloc(0);
  const strAt = interpAt + interpBytes.length;
  const verAt = strAt + strtab.length + ((8 - ((strAt + strtab.length) % 8)) % 8);
  const verSize = versions.length ? 16 + 16 * versions.length : 0;
  const dynAt = verAt + verSize;
  const dyn: [bigint, bigint][] = needed.map((_, i) => [1n, BigInt(strOff[1 + i]!)]);
  dyn.push([5n, BigInt(strAt)]);
  if (versions.length) dyn.push([0x6ffffffen, BigInt(verAt)], [0x6fffffffn, 1n]);
  dyn.push([0n, 0n]);
  const size = dynAt + dyn.length * 16;
  const b = Buffer.alloc(size);
  b.write("\x7fELF", 0, "latin1");
  b[4] = 2; // 64-bit
  b[5] = 1; // little-endian
  b.writeUInt16LE(3, 16); // ET_DYN
  b.writeBigUInt64LE(BigInt(phdrs), 32);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(phnum, 56);
  const ph = (i: number, type: number, off: number, filesz: number) => {
    const p = phdrs + i * 56;
    b.writeUInt32LE(type, p);
    b.writeBigUInt64LE(BigInt(off), p + 8);
    b.writeBigUInt64LE(BigInt(off), p + 16); // vaddr = offset
    b.writeBigUInt64LE(BigInt(filesz), p + 32);
  };
  ph(0, 1, 0, size); // PT_LOAD of the whole file
  ph(1, interp ? 3 : 0, interpAt, interpBytes.length); // PT_INTERP (or PT_NULL)
  ph(2, needed.length || versions.length ? 2 : 0, dynAt, dyn.length * 16); // PT_DYNAMIC
  interpBytes.copy(b, interpAt);
  b.write(strtab, strAt, "latin1");
  if (versions.length) {
    b.writeUInt16LE(1, verAt);
    b.writeUInt16LE(versions.length, verAt + 2);
    b.writeUInt32LE(16, verAt + 8); // vn_aux
    versions.forEach((_, i) => {
      const a = verAt + 16 + 16 * i;
      b.writeUInt32LE(strOff[1 + needed.length + i]!, a + 8);
      b.writeUInt32LE(i === versions.length - 1 ? 0 : 16, a + 12);
    });
  }
  dyn.forEach(([tag, val], i) => {
    b.writeBigUInt64LE(tag, dynAt + 16 * i);
    b.writeBigUInt64LE(val, dynAt + 16 * i + 8);
  });
  return b;
}

describe("ELF reader", () => {
  it("reads the loader, NEEDED libraries and the highest GLIBC version", () => {
    const elf = readElf(
      makeElf(
        "/lib64/ld-linux-x86-64.so.2",
        ["libstdc++.so.6", "libc.so.6"],
        ["GLIBC_2.2.5", "GLIBC_2.34", "GLIBC_2.4"],
      ),
    );
    expect(elf).toMatchObject({
      class: 64,
      interpreter: "/lib64/ld-linux-x86-64.so.2",
      needed: ["libstdc++.so.6", "libc.so.6"],
      glibc: "2.34",
      static: false,
    });
  });

  it("calls a file with neither loader nor NEEDED static", () => {
    expect(readElf(makeElf(null, [], []))).toMatchObject({ static: true, interpreter: null });
  });

  it("refuses what is not ELF or is cut short", () => {
    expect(readElf(Buffer.from("#!/bin/sh\necho hi\n"))).toBeNull();
    expect(
      readElf(makeElf("/lib/ld-musl-x86_64.so.1", ["libc.musl-x86_64.so.1"], []).subarray(0, 40)),
    ).toBeNull();
  });
});

describe("inspect script output", () => {
  const T = "\t";
  const out = [
    `OS${T}ID=debian`,
    `OS${T}VERSION_ID="13"`,
    `OS${T}VERSION_CODENAME=trixie`,
    `PM${T}dpkg`,
    `ENTRY${T}/usr/local/bin/app`,
    `PREFIX${T}/usr/local`,
    `TREE${T}/usr/local/bin/app`,
    `FILE${T}/usr/local/bin/app${T}elf${T}`,
    `FILE${T}/usr/local/bin/run.sh${T}script${T}#!/bin/sh -e`,
    `LIB${T}/usr/local/bin/app${T}libsqlite3.so.0${T}/lib/x86_64-linux-gnu/libsqlite3.so.0`,
    `LIB${T}/usr/local/bin/app${T}libgone.so.1${T}`,
    `OWNER${T}/lib/x86_64-linux-gnu/libsqlite3.so.0${T}libsqlite3-0`,
  ].join("\n");

  it("reads os-release, the entry, files, libraries and their owners", () => {
    const r = parseInspection(out);
    expect(r.os).toEqual({ id: "debian", versionId: "13", codename: "trixie" });
    expect(r.pm).toBe("dpkg");
    expect(r.entry).toBe("/usr/local/bin/app");
    expect(r.prefix).toBe("/usr/local");
    expect(r.files[0]!.libraries).toEqual([
      {
        name: "libsqlite3.so.0",
        path: "/lib/x86_64-linux-gnu/libsqlite3.so.0",
        package: "libsqlite3-0",
      },
      { name: "libgone.so.1", path: null, package: null },
    ]);
    expect(r.files[1]).toEqual({
      path: "/usr/local/bin/run.sh",
      kind: "script",
      interpreter: "/bin/sh -e",
    });
  });

  it("keeps only the topmost paths an install added", () => {
    const before = ["/usr/local", "/usr/local/bin", "/usr/local/share", "/usr/local/bin/gcc"];
    const after = [
      ...before,
      "/usr/local/bin/tool",
      "/usr/local/share/tool",
      "/usr/local/share/tool/data.txt",
      "/usr/local/share/tool/more",
    ];
    expect(addedPaths(after, before)).toEqual(["/usr/local/bin/tool", "/usr/local/share/tool"]);
  });
});

const lib = (name: string, path: string | null, pkg: string | null) => ({
  name,
  path,
  package: pkg,
});
const LIBC = lib("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "libc6");
const LOADER = lib("ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2", "libc6");

function elf(
  path: string,
  libraries: ObservedFile["libraries"],
  extra: Partial<ObservedFile> = {},
): ObservedFile {
  const isStatic = (libraries ?? []).length === 0;
  return {
    path,
    kind: "elf",
    static: isStatic,
    libc: isStatic ? "none" : "glibc",
    ...(isStatic ? {} : { interpreter: "/lib64/ld-linux-x86-64.so.2", glibc: "2.34" }),
    needed: (libraries ?? []).map((l) => l.name).filter((n) => !n.startsWith("ld-")),
    libraries,
    ...extra,
  };
}

function observed(files: ObservedFile[], more: Partial<ObservedFacts> = {}): ObservedFacts {
  return {
    source: "a recorded inspection",
    os: { id: "debian", versionId: "12", codename: "bookworm" },
    packageManager: "dpkg",
    entry: null,
    files,
    ...more,
  };
}

const C_PROGRAM = `FROM gcc:12
WORKDIR /src
COPY . .
RUN gcc -O2 -o /usr/local/bin/app app.c -lsqlite3
CMD ["app"]
`;

describe("convert(text, { observed })", () => {
  it("without observed facts: a glibc program lands on the slim image (inferred)", () => {
    const r = convert(C_PROGRAM);
    expect(r.plan?.image).toBe("debian:bookworm-slim");
  });

  it("a program observed to load only glibc runs on distroless cc of the same release", () => {
    const r = convert(C_PROGRAM, {
      observed: observed([elf("/usr/local/bin/app", [LIBC, LOADER])]),
    });
    expect(r.decision).toBe("converted");
    expect(r.plan?.image).toBe("gcr.io/distroless/cc-debian12");
    expect(r.plan?.imageWhy).toMatch(/^observed: /);
    expect(r.output).not.toMatch(/ldd|apt-get/);
    expect(
      r.explanation.some((e) => /^observed: \/usr\/local\/bin\/app: ELF, dynamic/.test(e.text)),
    ).toBe(true);
  });

  it("a statically linked program runs on distroless static", () => {
    const r = convert(C_PROGRAM, { observed: observed([elf("/usr/local/bin/app", [])]) });
    expect(r.plan?.image).toBe("gcr.io/distroless/static-debian12");
  });

  it("another library: the slim image plus exactly its owning package", () => {
    const sqlite = lib(
      "libsqlite3.so.0",
      "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0",
      "libsqlite3-0",
    );
    const r = convert(C_PROGRAM, {
      observed: observed([elf("/usr/local/bin/app", [sqlite, LIBC, LOADER])]),
    });
    expect(r.plan?.image).toBe("debian:bookworm-slim");
    expect(r.plan?.runtimePackages).toEqual(["libsqlite3-0"]);
    expect(r.output).toContain("apt-get install -y --no-install-recommends libsqlite3-0 &&");
  });

  it("a library the loader does not find, or that no package owns: left alone, saying so", () => {
    const gone = convert(C_PROGRAM, {
      observed: observed([elf("/usr/local/bin/app", [lib("libgone.so.1", null, null), LIBC])]),
    });
    expect(gone.decision).toBe("skipped");
    expect(gone.reasons[0]).toMatchObject({ code: "runtime-library-unknown" });
    expect(gone.reasons[0]!.message).toMatch(/^observed: .*libgone\.so\.1/);
    const handmade = convert(C_PROGRAM, {
      observed: observed([
        elf("/usr/local/bin/app", [lib("libx.so.1", "/opt/x/libx.so.1", null), LIBC]),
      ]),
    });
    expect(handmade.reasons[0]!.message).toMatch(/no package of the builder owns/);
  });

  it("a library inside the copied files needs no package", () => {
    const text = `FROM debian:bookworm
RUN apt-get update && apt-get install -y build-essential
COPY . /src
RUN cd /src && ./configure --prefix=/opt/app && make && make install
CMD ["/opt/app/bin/app"]
`;
    const own = lib("libapp.so.1", "/opt/app/lib/libapp.so.1", null);
    const r = convert(text, { observed: observed([elf("/opt/app/bin/app", [own, LIBC])]) });
    expect(r.decision).toBe("converted");
    expect(r.plan?.image).toBe("gcr.io/distroless/cc-debian12");
  });

  it("more native files than were read: nothing is settled by the partial view", () => {
    const r = convert(C_PROGRAM, {
      observed: { ...observed([elf("/usr/local/bin/app", [LIBC])]), truncated: true },
    });
    expect(r.plan?.image).toBe("debian:bookworm-slim");
    expect(r.plan?.imageWhy).toMatch(/^inferred: /);
  });

  it("a shell-form command needs a shell: the slim image instead of distroless cc", () => {
    const text = C_PROGRAM.replace('CMD ["app"]', "CMD app --serve");
    const r = convert(text, { observed: observed([elf("/usr/local/bin/app", [LIBC])]) });
    expect(r.plan?.image).toBe("debian:bookworm-slim");
  });

  it("a -dev package no table knows: the owners of what the program loads instead", () => {
    const text = readFileSync(`${fixturesDir}leave-unknown-dev-package/Dockerfile`, "utf8");
    expect(convert(text).reasons[0]?.code).toBe("runtime-library-unknown");
    const frob = lib(
      "libfrobnicate.so.1",
      "/usr/lib/x86_64-linux-gnu/libfrobnicate.so.1",
      "libfrobnicate1",
    );
    const r = convert(text, { observed: observed([elf("/usr/local/bin/frob", [frob, LIBC])]) });
    expect(r.decision).toBe("converted");
    expect(r.plan?.runtimePackages).toEqual(["libfrobnicate1"]);
    expect(r.plan?.notes.join("\n")).toContain(
      "observed: the copied native files load libraries of libfrobnicate1",
    );
    // A provisional plan (to build and inspect) does not stop at the unknown package.
    expect(convert(text, { provisional: true }).decision).toBe("converted");
  });

  it("an install to an unknown prefix: the files the build added, when the entry is one of them", () => {
    const text = readFileSync(`${fixturesDir}c-make-install-unknown-prefix/Dockerfile`, "utf8");
    expect(convert(text).reasons[0]?.code).toBe("artifact-unknown");
    const tool = elf("/usr/local/bin/tool", [LIBC]);
    const seen = (builtHere: boolean) =>
      observed([tool], {
        entry: { ...tool, name: "tool", builtHere },
        installed: { prefix: "/usr/local", paths: ["/usr/local/bin/tool", "/usr/local/lib/tool"] },
      });
    const r = convert(text, { observed: seen(true) });
    expect(r.decision).toBe("converted");
    expect(r.plan?.artifacts.map((a) => a.from)).toEqual([
      "/usr/local/bin/tool",
      "/usr/local/lib/tool",
    ]);
    expect(r.plan?.image).toBe("gcr.io/distroless/cc-debian12");
    // The FROM image already had it: not the build's output, so still left alone.
    expect(convert(text, { observed: seen(false) }).reasons[0]?.code).toBe("artifact-unknown");
    // What else the install wrote is not known (a prefix too wide to compare): left alone.
    const alone = { ...seen(true), installed: undefined };
    expect(convert(text, { observed: alone }).reasons[0]?.code).toBe("artifact-unknown");
  });

  it("the builder's observed OS release wins over the table's", () => {
    const r = convert(C_PROGRAM, {
      observed: observed([elf("/usr/local/bin/app", [LIBC])], {
        os: { id: "debian", versionId: "13", codename: "trixie" },
      }),
    });
    expect(r.plan?.image).toBe("gcr.io/distroless/cc-debian13");
  });

  it("a builder whose release no table knows: its observed os-release names it", () => {
    const text = 'FROM golang:1.99\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD ["/app"]\n';
    expect(convert(text).reasons[0]?.code).toBe("release-unknown");
    const r = convert(text, { observed: observed([elf("/app", [LIBC, LOADER])]) });
    expect(r.decision).toBe("converted");
    expect(r.plan?.image).toBe("gcr.io/distroless/cc-debian12");
    // Nothing native observed among the copies: the glibc guess, on the observed release.
    const guessed = convert(text, { observed: observed([]) });
    expect(guessed.plan?.image).toBe("debian:bookworm-slim");
    expect(guessed.plan?.imageWhy).toMatch(/^inferred: /);
  });

  it("interpreter stacks: what the interpreter itself loads comes with its slim image", () => {
    const text = readFileSync(`${fixturesDir}e2e-ruby-bundler/Dockerfile`, "utf8");
    // As in the official ruby images: libruby built from source into /usr/local, no package.
    const libruby = lib("libruby.so.3.1", "/usr/local/lib/libruby.so.3.1", null);
    const gmp = lib("libgmp.so.10", "/usr/lib/x86_64-linux-gnu/libgmp.so.10", "libgmp10");
    const sqlite = lib(
      "libsqlite3.so.0",
      "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0",
      "libsqlite3-0",
    );
    const ruby = elf("/usr/local/bin/ruby", [libruby, gmp, LIBC, LOADER]);
    const ext = elf("/usr/local/bundle/gems/sqlver-0.1.0/lib/sqlver/sqlver.so", [
      libruby,
      sqlite,
      gmp,
      LIBC,
    ]);
    const bundle: ObservedFile = {
      path: "/usr/local/bin/bundle",
      name: "bundle",
      kind: "script",
      interpreter: "/usr/local/bin/ruby",
    };
    const seen = observed([bundle, ruby, ext], { entry: bundle, interpreter: ruby });
    const r = convert(text, { observed: seen });
    expect(r.decision).toBe("converted");
    expect(r.plan?.runtimePackages).toEqual(["libsqlite3-0"]);
    // Without knowing what runs the script, libruby is a library no package owns.
    const blind = convert(text, { observed: { ...seen, interpreter: undefined } });
    expect(blind.reasons[0]?.message).toMatch(
      /libruby\.so\.3\.1, which no package of the builder owns \(built from source/,
    );
  });

  it("interpreter stacks: the slim image plus only what the extensions load", () => {
    const c = JSON.parse(readFileSync(`${fixturesDir}resolve-python-ext/case.json`, "utf8"));
    const text = readFileSync(`${fixturesDir}resolve-python-ext/Dockerfile`, "utf8");
    expect(convert(text).plan?.runtimePackages).toEqual(["libpython3.11", "libpython3.11-stdlib"]);
    const r = convert(text, c.options);
    expect(r.plan?.image).toBe("python:3.11-slim-bookworm");
    expect(r.plan?.runtimePackages).toEqual([]);
  });
});

describe("resolveDockerfile without an engine", () => {
  it("falls back to the static result and says why", async () => {
    const dockerfile = `${fixturesDir}resolve-rust/Dockerfile`;
    const outcome = await resolveDockerfile({ dockerfile, docker: "/nonexistent/docker" });
    expect(outcome.observed).toBeNull();
    expect(outcome.fallback).toMatch(/no container engine/);
    expect(outcome.result.plan?.image).toBe("debian:bookworm-slim");
    expect(outcome.result.explanation.at(-1)?.text).toMatch(
      /--resolve: .*the static result stands/,
    );
  });

  it("does not build what observation cannot settle", async () => {
    const dockerfile = `${fixturesDir}leave-multi-stage/Dockerfile`;
    const outcome = await resolveDockerfile({ dockerfile, docker: "/nonexistent/docker" });
    expect(outcome.built).toBeNull();
    expect(outcome.fallback).toMatch(/^nothing to observe/);
  });
});
