// File-system trouble: symlink loops, permissions (really enforced, even though tests run as
// root), read-only files and file systems, mode/owner/symlink preservation, atomic writes, and
// --dry-run/--check/--json never writing.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { convert } from "../../src/convert.js";
import { readDockerfile } from "../../src/io/read.js";
import { writeAtomic } from "../../src/io/write.js";
import { errorLines, GO, run, spawnCli, tempDir, treeHash } from "./cli-helpers.js";

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const converted = convert(GO).output;

/** Does a command succeed here (capabilities differ between machines and CI)? */
function works(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
}

function goFile(mode = 0o644): { dir: string; p: string } {
  const dir = tempDir();
  const p = join(dir, "Dockerfile");
  writeFileSync(p, GO);
  chmodSync(p, mode);
  return { dir, p };
}

describe("symlinks", () => {
  it("a directory with symlink loops is searched without following them", async () => {
    const dir = tempDir();
    symlinkSync(".", join(dir, "loop"));
    symlinkSync("b", join(dir, "a"));
    symlinkSync("a", join(dir, "b"));
    mkdirSync(join(dir, "svc"));
    writeFileSync(join(dir, "svc", "Dockerfile"), GO);
    symlinkSync("Dockerfile.self", join(dir, "Dockerfile.self")); // a file-looking self loop
    const r = await run([dir]);
    expect(readFileSync(join(dir, "svc", "Dockerfile"), "utf8")).toBe(converted);
    expect(r.stderr).toContain(`converted ${dir}/svc/Dockerfile`);
    // Links are not followed, so the self-loop is not even listed: no error, no hang.
    expect(errorLines(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(readlinkSync(join(dir, "loop"))).toBe(".");
  });

  it("a symlink loop given by name: exit 2, one line", async () => {
    const dir = tempDir();
    symlinkSync("b", join(dir, "a"));
    symlinkSync("a", join(dir, "b"));
    const r = await run([join(dir, "a")]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`error ${dir}/a: too many levels of symbolic links`]);
  });

  it("converting through a symlink writes the target and keeps the link a link", async () => {
    const { dir, p } = goFile();
    const link = join(dir, "Dockerfile.link");
    symlinkSync("Dockerfile", link);
    const r = await run([link]);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(p, "utf8")).toBe(converted);
    expect(readdirSync(dir).sort()).toEqual(["Dockerfile", "Dockerfile.link"]);
  });
});

describe("what a write keeps", () => {
  it("the file's mode", async () => {
    const { p } = goFile(0o640);
    expect((await run([p])).code).toBe(0);
    expect(readFileSync(p, "utf8")).toBe(converted);
    expect(statSync(p).mode & 0o7777).toBe(0o640);
  });

  it.skipIf(!isRoot)(
    "the file's owner (root can chown; others cannot create this case)",
    async () => {
      const { p } = goFile();
      chownSync(p, 1234, 5678);
      expect((await run([p])).code).toBe(0);
      expect(readFileSync(p, "utf8")).toBe(converted);
      expect([statSync(p).uid, statSync(p).gid]).toEqual([1234, 5678]);
    },
  );
});

describe("hard links", () => {
  it("a hard-linked file is not replaced (a rename would leave the other name behind)", async () => {
    const { dir, p } = goFile();
    linkSync(p, join(dir, "Dockerfile.other"));
    const before = treeHash(dir);
    const r = await run([p]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      `error ${p}: has 2 hard links; replacing it would split them; not overwritten`,
    ]);
    expect(treeHash(dir)).toBe(before);
  });
});

describe("unreadable and unwritable files: exit 2, one line, nothing written", () => {
  it("mode 0444 with changes to write: refused even for root (rename would bypass the bits)", async () => {
    const { dir, p } = goFile(0o444);
    const before = treeHash(dir);
    const r = await run([p]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`error ${p}: is read-only; not overwritten (mode 0444)`]);
    expect(treeHash(dir)).toBe(before);
  });

  const chattr =
    isRoot && works("sh", ["-c", `f=$(mktemp) && chattr +i "$f" && chattr -i "$f" && rm "$f"`]);
  it.skipIf(!chattr)(
    `an immutable file (chattr +i): even root cannot replace it${chattr ? "" : " (skipped: chattr +i not permitted here)"}`,
    async () => {
      const { dir, p } = goFile();
      execFileSync("chattr", ["+i", p]);
      try {
        const before = treeHash(dir);
        const r = await run([p]);
        expect(r.code).toBe(2);
        expect(errorLines(r.stderr)).toEqual([`error ${p}: cannot write: permission denied`]);
        expect(treeHash(dir)).toBe(before);
      } finally {
        execFileSync("chattr", ["-i", p]);
      }
    },
  );

  // Root ignores permission bits, so these run the real CLI as the unprivileged user "nobody".
  // As root the test needs a user "nobody" who can run node and read this checkout.
  const bin = join(import.meta.dirname, "../../bin/msb-migrate.js");
  const asNobody =
    isRoot &&
    spawnSync(process.execPath, ["-e", `require("fs").accessSync(${JSON.stringify(bin)})`], {
      uid: NOBODY,
      gid: NOBODY,
      stdio: "ignore",
    }).status === 0;
  const nobodyNote = isRoot && !asNobody ? " (skipped: nobody cannot read this checkout)" : "";
  const spawnAs = isRoot
    ? { uid: NOBODY, gid: NOBODY, env: { ...process.env, HOME: "/tmp", NO_COLOR: "1" } }
    : {};

  it.skipIf(isRoot && !asNobody)(
    "a file without read permission" + nobodyNote,
    async () => {
      const { dir, p } = goFile(isRoot ? 0o600 : 0o000);
      chmodSync(dir, 0o755);
      const before = treeHash(dir);
      const r = isRoot ? spawnCli([p], spawnAs) : await run([p]);
      expect(r.code, r.stderr).toBe(2);
      expect(errorLines(r.stderr)).toEqual([`error ${p}: permission denied`]);
      expect(treeHash(dir)).toBe(before);
    },
    120_000,
  );

  it.skipIf(isRoot && !asNobody)(
    "a readable file the user may not write" + nobodyNote,
    async () => {
      const { dir, p } = goFile(isRoot ? 0o644 : 0o444);
      chmodSync(dir, 0o777); // the directory is writable: only the file's permission stops us
      const before = treeHash(dir);
      const r = isRoot ? spawnCli([p], spawnAs) : await run([p]);
      expect(r.code, r.stderr).toBe(2);
      expect(errorLines(r.stderr)).toEqual([
        isRoot
          ? `error ${p}: cannot write: permission denied`
          : `error ${p}: is read-only; not overwritten (mode 0444)`,
      ]);
      expect(treeHash(dir)).toBe(before);
    },
    120_000,
  );

  const unshare = isRoot && works("unshare", ["-m", "sh", "-c", "mount --bind -o ro /tmp /tmp"]);
  it.skipIf(!unshare)(
    "a file on a read-only file system (a read-only bind mount)",
    () => {
      const { dir, p } = goFile();
      const before = treeHash(dir);
      const r = spawnSync(
        "unshare",
        [
          "-m",
          "sh",
          "-c",
          `mount --bind -o ro "$1" "$1" && exec "$2" "$3" "$4"`,
          "sh",
          dir,
          process.execPath,
          bin,
          p,
        ],
        { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 },
      );
      expect(r.status, r.stderr).toBe(2);
      expect(errorLines(r.stderr)).toEqual([`error ${p}: cannot write: read-only file system`]);
      expect(treeHash(dir)).toBe(before);
    },
    120_000,
  );
});

describe("atomic writes (writeAtomic with a hook between temp file and rename)", () => {
  it("the temp file is complete, beside the target, with the target's mode, before the rename", async () => {
    const { dir, p } = goFile(0o640);
    const file = await readDockerfile(p);
    let seen = "";
    await writeAtomic(file, converted, {
      beforeCommit: (tmp) => {
        expect(join(tmp, "..")).toBe(dir);
        expect(statSync(tmp).mode & 0o7777).toBe(0o640);
        expect(readFileSync(p, "utf8")).toBe(GO); // the target is still the old file
        seen = readFileSync(tmp, "utf8");
      },
    });
    expect(seen).toBe(converted);
    expect(readFileSync(p, "utf8")).toBe(converted);
    expect(readdirSync(dir)).toEqual(["Dockerfile"]);
  });

  it("a failure before the rename leaves the target whole and no temp file", async () => {
    const { dir, p } = goFile();
    const file = await readDockerfile(p);
    const before = treeHash(dir);
    await expect(
      writeAtomic(file, converted, {
        beforeCommit: () => {
          throw Object.assign(new Error("disk full"), { code: "ENOSPC" });
        },
      }),
    ).rejects.toThrow(`${p}: cannot write: no space left on device`);
    expect(treeHash(dir)).toBe(before);
  });

  it("a file changed since it was read is not overwritten, and the other writer's bytes stay", async () => {
    const { dir, p } = goFile();
    const file = await readDockerfile(p);
    await expect(
      writeAtomic(file, converted, { beforeCommit: () => writeFileSync(p, GO + "# edited\n") }),
    ).rejects.toThrow(`${p}: changed on disk since it was read; not overwritten`);
    expect(readFileSync(p, "utf8")).toBe(GO + "# edited\n");
    expect(readdirSync(dir)).toEqual(["Dockerfile"]);
  });
});

describe("--dry-run, --check and --json never write (whole-tree hash before and after)", () => {
  function tree(): string {
    const dir = tempDir();
    mkdirSync(join(dir, "a"));
    mkdirSync(join(dir, "b"));
    writeFileSync(join(dir, "a", "Dockerfile"), GO);
    writeFileSync(join(dir, "b", "Dockerfile"), "\uFEFF" + GO.replace(/\n/g, "\r\n"));
    writeFileSync(join(dir, "b", "Dockerfile.broken"), Buffer.from([0, 1, 2]));
    writeFileSync(join(dir, "Dockerfile"), 'FROM alpine:3.18\nCMD ["sh"]\n');
    symlinkSync("a/Dockerfile", join(dir, "Dockerfile.link"));
    return dir;
  }
  for (const [flag, code] of [
    ["--dry-run", 2],
    ["--check", 2],
    ["--json", 2],
  ] as const) {
    it(flag, async () => {
      const dir = tree();
      const before = treeHash(dir);
      const r = await run([flag, dir]);
      expect(treeHash(dir)).toBe(before);
      // Not vacuous: there was work that a plain run does (and the broken file is an error).
      expect(r.code).toBe(code);
      if (flag === "--dry-run")
        expect(r.stdout).toContain("+FROM gcr.io/distroless/static-debian12");
      if (flag === "--check") expect(r.stderr).toMatch(/would convert .*a\/Dockerfile/);
      if (flag === "--json") expect(JSON.parse(r.stdout).summary.converted).toBe(2);
      const plain = await run([dir]);
      expect(plain.code).toBe(2);
      expect(treeHash(dir)).not.toBe(before);
    });
  }
  it("--check exits 1 when files would change and nothing is broken", async () => {
    const { dir, p } = goFile();
    const before = treeHash(dir);
    expect((await run(["--check", p])).code).toBe(1);
    expect(treeHash(dir)).toBe(before);
  });
});
