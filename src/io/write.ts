// Atomic writes: temp file beside the target, fsync, rename; mode kept; never over a changed file.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describeFsError, InputError, sha256, type ReadFile } from "./read.js";

export async function writeAtomic(original: ReadFile, text: string): Promise<void> {
  const { path } = original;
  const tmp = join(dirname(path), `.msb-tmp-${basename(path)}-${randomBytes(4).toString("hex")}`);
  let handle: fs.FileHandle | undefined;
  try {
    // Writable? Check first so a read-only file is reported, not silently replaced by rename.
    // Root passes access(2) checks, so a file without write bits counts as read-only too.
    if ((original.mode & 0o222) === 0)
      throw new InputError(path, "is read-only; not overwritten", "unwritable");
    await fs.access(path, fs.constants.W_OK).catch((error: unknown) => {
      throw new InputError(path, `cannot write: ${describeFsError(error)}`, "unwritable");
    });
    handle = await fs.open(tmp, "wx", original.mode);
    await handle.writeFile(text, "utf8");
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.chmod(tmp, original.mode);
    const now = await fs.readFile(path).catch(() => null);
    if (!now || sha256(now) !== original.hash) {
      throw new InputError(path, "changed on disk since it was read; not overwritten", "changed");
    }
    await fs.rename(tmp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    if (error instanceof InputError) throw error;
    throw new InputError(path, `cannot write: ${describeFsError(error)}`, "unwritable");
  }
}
