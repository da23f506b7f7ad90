// Every kind of broken or odd input, through the real CLI (main() with fake streams), converting
// in place: a clear one-line status naming the file, the right exit code, and nothing written
// unless the input is valid and converts (then the output keeps the input's byte style).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { convert } from "../../src/convert.js";
import { closeBounded } from "../../src/io/bounded.js";
import { preserved } from "../fuzz/properties.js";
import { errorLines, GO, run, tempDir, treeHash } from "./cli-helpers.js";

afterAll(() => closeBounded());

const crlf = (s: string) => s.replace(/\n/g, "\r\n");

/** Write bytes as dir/Dockerfile in a fresh temp dir; return the path. */
function file(bytes: string | Buffer, name = "Dockerfile"): string {
  const dir = tempDir();
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Run in place on one file; check it was left byte-for-byte alone, with no stray files. */
async function untouched(p: string, argv: string[] = []) {
  const dir = join(p, "..");
  const before = treeHash(dir);
  const r = await run([...argv, p]);
  expect(treeHash(dir)).toBe(before);
  expect(readdirSync(dir)).toEqual([p.slice(dir.length + 1)]);
  return r;
}

describe("undecodable input: error exit 2, one line naming the file and the cause, nothing written", () => {
  const cases: [string, Buffer, RegExp][] = [
    [
      "binary (NUL bytes)",
      Buffer.from("FROM golang:1.19\n\0\0\0RUN go build\n"),
      /is binary \(contains NUL bytes\)/,
    ],
    [
      "invalid UTF-8",
      Buffer.from([...Buffer.from("FROM golang:1.19\nRUN echo "), 0xc3, 0x28, 0x0a]),
      /is not valid UTF-8/,
    ],
    [
      "UTF-16 LE with BOM",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GO, "utf16le")]),
      /is UTF-16 encoded/,
    ],
    [
      "UTF-16 BE with BOM",
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(GO, "utf16le").swap16()]),
      /is UTF-16 encoded/,
    ],
    [
      "a lone surrogate encoded as UTF-8",
      Buffer.from([...Buffer.from("FROM x\nRUN "), 0xed, 0xa0, 0x80, 0x0a]),
      /is not valid UTF-8/,
    ],
  ];
  for (const [name, bytes, cause] of cases) {
    it(name, async () => {
      const p = file(bytes);
      const r = await untouched(p);
      expect(r.code).toBe(2);
      const lines = errorLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe(`error ${p}: ${lines[0]!.slice(`error ${p}: `.length)}`);
      expect(lines[0]).toMatch(cause);
    });
  }
});

describe("valid but empty or odd: the right decision, exit 0, nothing written", () => {
  const cases: [string, string, RegExp][] = [
    ["empty file", "", /^unchanged .* \(nothing-built: the file has no instructions\)$/],
    [
      "only comments",
      "# just a comment\n# escape=`\n\n   # another\n",
      /^unchanged .*nothing-built/,
    ],
    ["only whitespace and CRLF", " \r\n\t\r\n", /^unchanged .*nothing-built/],
    ["no FROM", "RUN go build -o /out/app .\n", /^skipped .*\(parse-error: no FROM instruction\)$/],
    [
      "unterminated double quote",
      GO.replace("CMD", 'RUN echo "abc\nCMD'),
      /^skipped .*unterminated double quote/,
    ],
    [
      "unterminated single quote",
      GO.replace("CMD", "RUN echo 'abc\nCMD"),
      /^skipped .*parse-error/,
    ],
    [
      "unterminated heredoc",
      GO.replace("CMD", "RUN <<EOF\necho hi\nCMD"),
      /^skipped .*heredoc EOF is not terminated/,
    ],
    [
      "unterminated JSON array (shell form for Docker)",
      GO.replace('["/out/app"]', '["/out/app"'),
      /^skipped .*parse-error: CMD on line 5 is not a valid JSON array/,
    ],
    [
      "unknown instruction",
      GO.replace("CMD", "FROBNICATE x\nCMD"),
      /^skipped .*unknown instruction FROBNICATE on line 5/,
    ],
    [
      "Windows image and paths",
      '# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2019\nWORKDIR C:\\app\nCOPY . C:\\app\nRUN C:\\tools\\build.exe /out:C:\\app\\app.exe\nCMD ["C:\\\\app\\\\app.exe"]\n',
      /^(unchanged|skipped) /,
    ],
    [
      "lone CR line endings (Docker reads one line, editors five)",
      GO.replace(/\n/g, "\r"),
      /^skipped .*unsupported: line 1 ends in a lone CR/,
    ],
    [
      "a lone CR inside an LF file",
      GO.replace("WORKDIR /src\n", "WORKDIR /src\rCOPY x y\n"),
      /^skipped .*unsupported: line 2 ends in a lone CR/,
    ],
    [
      "a line continuation at the end of the last build step (the new FROM would join it)",
      "FROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app . \\\n",
      /^skipped .*parse-error: line 4 continues past the end of the file/,
    ],
  ];
  for (const [name, text, status] of cases) {
    it(name, async () => {
      const p = file(text);
      const r = await untouched(p);
      expect(r.code).toBe(0);
      const line = r.stderr.trim().split("\n").at(-1)!;
      expect(line).toContain(p);
      expect(line).toMatch(status);
    });
  }
});

describe("valid input converts in place, keeping BOM, line endings and final-newline state", () => {
  const cases: [string, string][] = [
    ["plain LF", GO],
    ["UTF-8 BOM", "\uFEFF" + GO],
    ["CRLF", crlf(GO)],
    [
      "mixed line endings",
      'FROM golang:1.19\r\nWORKDIR /src\nCOPY . .\r\nRUN CGO_ENABLED=0 go build -o /out/app .\nCMD ["/out/app"]\r\n',
    ],
    ["no final newline", GO.trimEnd()],
    ["CRLF, BOM and no final newline", "\uFEFF" + crlf(GO).trimEnd()],
    ["lowercase keywords", GO.replace(/^(FROM|WORKDIR|COPY|RUN|CMD)/gm, (k) => k.toLowerCase())],
    [
      "mixed-case keywords",
      'From golang:1.19\nwOrKdIr /src\nCoPy . .\nRuN CGO_ENABLED=0 go build -o /out/app .\ncMd ["/out/app"]\n',
    ],
    [
      "escape=` with backtick continuations",
      '# escape=`\nFROM golang:1.19\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 `\n    go build `\n    -o /out/app .\nCMD ["/out/app"]\n',
    ],
    [
      "deep line continuations (2,000 lines in one RUN)",
      GO.replace("RUN ", "RUN true && \\\n".repeat(2000) + "    "),
    ],
  ];
  for (const [name, text] of cases) {
    it(name, async () => {
      const p = file(text);
      const r = await run([p]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`converted ${p} [go → `);
      const out = readFileSync(p, "utf8");
      // The file holds exactly what the library produces, which keeps every original byte.
      const expected = convert(text, { path: p });
      expect(expected.decision).toBe("converted");
      expect(out).toBe(expected.output);
      expect(preserved(text, expected)).toBeNull();
      expect(out.startsWith("\uFEFF")).toBe(text.startsWith("\uFEFF"));
      expect(out.endsWith("\n")).toBe(text.endsWith("\n"));
      expect(out.endsWith("\r\n")).toBe(text.endsWith("\r\n"));
      if (!text.includes("\r")) expect(out).not.toContain("\r");
      if (!/[^\r]\n/.test(text.replace(/^\n/, "")))
        expect(out.replace(/\r\n/g, "")).not.toContain("\n");
      expect(out).toMatch(/^\uFEFF?(FROM|from|From) golang:1\.19 (AS|as) builder\r?\n/m);
      expect(readdirSync(join(p, ".."))).toEqual(["Dockerfile"]);
      // A second run finds nothing to do and leaves the file alone.
      const again = await run([p]);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/^unchanged .*already-multi-stage/m);
      expect(readFileSync(p, "utf8")).toBe(out);
    });
  }
});

describe("size and time bounds: a skip with its reason, never a crash", () => {
  it("a 50 MB file is skipped at once by the default --max-size", async () => {
    const p = file(GO + ("# " + "x".repeat(1022) + "\n").repeat(50 * 1024));
    const t0 = Date.now();
    const r = await untouched(p);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(0);
    expect(errorLines(r.stderr)).toEqual([
      `skipped ${p} (too-large: is ${statSync(p).size} bytes, over the --max-size limit of 1048576)`,
    ]);
  });

  it("a 50 MB file allowed by --max-size is stopped by --timeout-ms and skipped", async () => {
    const p = file(GO + ("RUN echo " + "y".repeat(1014) + "\n").repeat(50 * 1024));
    const t0 = Date.now();
    const r = await untouched(p, ["--max-size", String(64 * 1024 * 1024), "--timeout-ms", "1500"]);
    // Worker start-up, reading 50 MB and the 1.5 s bound; converting it would take minutes.
    expect(Date.now() - t0).toBeLessThan(40_000);
    expect(r.code).toBe(0);
    expect(errorLines(r.stderr)).toEqual([
      `skipped ${p} (timeout: conversion took longer than --timeout-ms 1500)`,
    ]);
  }, 60_000);

  it("20,000 instructions convert (in the bounded worker: the file is over 64 KiB)", async () => {
    const text = GO.replace("CMD", "LABEL a=b\n".repeat(20_000) + "CMD");
    expect(text.length).toBeGreaterThan(64 * 1024);
    const p = file(text);
    const r = await run([p]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`converted ${p}`);
    const out = readFileSync(p, "utf8");
    expect(out).toBe(convert(text).output);
    expect(out.split("\n").filter((l) => l === "LABEL a=b")).toHaveLength(20_000);
  }, 60_000);

  it("stdin: too large is a skip (input passed through); undecodable is exit 2", async () => {
    const bad = await run(["-"], Buffer.from([0xff, 0xfe, 0x41, 0x00]));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      "msb-migrate: <stdin>: is UTF-16 encoded; Docker reads Dockerfiles as UTF-8\n",
    );
    const big = await run(["--max-size", "50", "-"], GO);
    expect(big.code).toBe(0);
    expect(big.stdout).toBe(GO); // passed through unchanged
    expect(big.stderr).toBe(
      `msb-migrate: <stdin>: is ${GO.length} bytes, over the --max-size limit of 50\n`,
    );
    const ok = await run(["-"], GO);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(convert(GO).output);
  });
});

describe("paths", () => {
  it("a missing path: exit 2, one line", async () => {
    const p = join(tempDir(), "nope", "Dockerfile");
    const r = await run([p]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`error ${p}: no such file or directory`]);
  });

  it("a path whose parent is a file (ENOTDIR, fails even for root): exit 2, one line", async () => {
    const parent = file(GO);
    const p = join(parent, "Dockerfile");
    const r = await run([p]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`error ${p}: a parent of the path is not a directory`]);
  });

  it("a FIFO named Dockerfile is refused without blocking", async () => {
    const dir = tempDir();
    const p = join(dir, "Dockerfile");
    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [p]);
    const r = await run([p]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`error ${p}: is not a regular file`]);
  });

  it("a file name with a line break is quoted so the status stays one line", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "a\nb"));
    const p = join(dir, "a\nb", "Dockerfile");
    writeFileSync(p, "\0");
    const r = await run([p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error ${JSON.stringify(p)}: is binary (contains NUL bytes), not a Dockerfile\n`,
    );
  });
});
