// Atomic writes: temp file beside the target, fsync, rename; mode and owner kept; never over a
// changed or read-only file. On any failure the temp file is removed and the target is untouched.
import { randomBytes } from "node:crypto";
import { closeSync, constants, openSync, promises as fs, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { onHardExit } from "./cancel.js";
import { describeFsError, InputError, sha256, type ReadFile } from "./read.js";

/** The temporary file's name prefix; a bulk run removes stale ones it meets (src/bulk/walk.ts). */
export const TEMP_PREFIX = ".msb-tmp-";

/** `.msb-tmp-<name>-<8 hex>`: a temporary file of writeAtomic. */
export function isTempFileName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) && /-[0-9a-f]{8}$/.test(name);
}

export interface WriteHooks {
  /** Runs after the temp file is complete, just before the changed-on-disk check (tests). */
  beforeCommit?: (tmpPath: string) => Promise<void> | void;
}

export async function writeAtomic(
  original: ReadFile,
  text: string,
  hooks: WriteHooks = {},
): Promise<void> {
  const { path } = original;
  // Write to the resolved file: renaming over a symlink would replace the link by a copy.
  const target = original.realPath ?? path;
  const tmp = join(
    dirname(target),
    `${TEMP_PREFIX}${basename(target)}-${randomBytes(4).toString("hex")}`,
  );
  // A second Ctrl-C exits at once: the temp file goes first (registered before it exists).
  const forget = onHardExit(() => rmSync(tmp, { force: true }));
  let handle: fs.FileHandle | undefined;
  let created = false;
  try {
    // No write bit at all means "read-only" even for root, who would pass fs.access.
    if ((original.mode & 0o222) === 0) {
      const mode = original.mode.toString(8).padStart(4, "0");
      throw new InputError(path, `is read-only; not overwritten (mode ${mode})`, "unwritable");
    }
    // Renaming over one name of a hard-linked file would leave the other names on the old text.
    if ((original.nlink ?? 1) > 1) {
      const why = `has ${original.nlink} hard links; replacing it would split them; not overwritten`;
      throw new InputError(path, why, "unwritable");
    }
    // Writable? Check first so a read-only file is reported, not silently replaced by rename.
    await fs.access(target, constants.W_OK).catch((error: unknown) => {
      throw new InputError(path, `cannot write: ${describeFsError(error)}`, "unwritable");
    });
    // Created synchronously, so a second Ctrl-C (handled on this thread) never runs while the
    // file is being created: its clean-up always sees it, or it never comes to exist.
    closeSync(openSync(tmp, "wx", original.mode));
    created = true;
    handle = await fs.open(tmp, "r+");
    await handle.writeFile(text, "utf8");
    // Same mode (umask may have narrowed it) and, when we may, the same owner as the original.
    await handle.chmod(original.mode);
    if (original.uid !== undefined && original.gid !== undefined) {
      await handle.chown(original.uid, original.gid).catch(() => undefined);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await hooks.beforeCommit?.(tmp);
    const now = await fs.readFile(target).catch(() => null);
    if (!now || sha256(now) !== original.hash) {
      throw new InputError(path, "changed on disk since it was read; not overwritten", "changed");
    }
    await fs.rename(tmp, target);
    created = false;
    // Make the rename itself durable; not every file system allows fsync on a directory.
    const dir = await fs.open(dirname(target), "r").catch(() => undefined);
    await dir?.sync().catch(() => undefined);
    await dir?.close().catch(() => undefined);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    if (created) await fs.rm(tmp, { force: true }).catch(() => undefined);
    if (error instanceof InputError) throw error;
    throw new InputError(path, `cannot write: ${describeFsError(error)}`, "unwritable");
  } finally {
    forget();
  }
}
