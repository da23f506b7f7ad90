// Reading Dockerfiles safely: every way a file can be unusable becomes one clear sentence.
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from "node:fs";

/** Real Dockerfiles are a few KB; 1 MiB is generous and keeps the worst case to seconds. */
export const DEFAULT_MAX_SIZE = 1024 * 1024;

/** Error codes that mean "left alone on purpose" (a skip with its reason), not a failure. */
export const SKIP_CODES: ReadonlySet<string> = new Set(["too-large", "timeout"]);

export class InputError extends Error {
  constructor(
    public readonly path: string,
    message: string,
    public readonly code: string = "input",
  ) {
    super(`${path}: ${message}`);
  }
}

export interface ReadFile {
  path: string;
  /** The file the path resolves to (symlinks followed): writes go there, links stay links. */
  realPath: string;
  text: string;
  /** sha256 of the bytes read, to refuse overwriting a file changed since. */
  hash: string;
  mode: number;
  uid: number;
  gid: number;
  /** Hard links to the file: a rename would split them. */
  nlink?: number;
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decode bytes as a Dockerfile: UTF-8 (BOM allowed), never binary or UTF-16. */
export function decode(path: string, bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError(path, "is UTF-16 encoded; Docker reads Dockerfiles as UTF-8", "encoding");
  }
  if (bytes.includes(0))
    throw new InputError(path, "is binary (contains NUL bytes), not a Dockerfile", "binary");
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InputError(path, "is not valid UTF-8", "encoding");
  }
}

export interface ReadOptions {
  /**
   * False when the file will not be written back: the hash and the resolved real path (a sha256
   * and an lstat per path component) are only needed to write safely, so a dry run skips them
   * (`hash` is then empty and `realPath` the path as given).
   */
  forWrite?: boolean;
}

export async function readDockerfile(
  path: string,
  maxSize = DEFAULT_MAX_SIZE,
  options: ReadOptions = {},
): Promise<ReadFile> {
  return readDockerfileSync(path, maxSize, options);
}

/**
 * One buffer for every read, grown as needed (up to the size limit): the bytes are decoded (and
 * hashed) before the next read, and a fresh allocation per file left tens of MB of freed buffers
 * to the allocator in a 100,000-file run, the bulk of its peak RSS above a 10,000-file one.
 */
let shared = Buffer.allocUnsafe(64 * 1024);
function readBuffer(size: number): Buffer {
  if (shared.length < size) shared = Buffer.allocUnsafe(Math.max(size, shared.length * 2));
  return shared.subarray(0, size);
}

/**
 * Synchronous on purpose: a Dockerfile is small, and five thread-pool round trips per file (open,
 * fstat, read, realpath, close) left the main thread idle for a quarter of a bulk run.
 */
export function readDockerfileSync(
  path: string,
  maxSize = DEFAULT_MAX_SIZE,
  { forWrite = true }: ReadOptions = {},
): ReadFile {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO or device must not hang; it has no effect on regular files.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      path,
      describeFsError(error),
      code === "ENOENT" || code === "ENOTDIR" ? "missing" : "unreadable",
    );
  }
  try {
    // fstat on the open descriptor: the checks apply to the very file we read, not a swapped one.
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new InputError(path, "is a directory", "input");
    if (!stat.isFile()) throw new InputError(path, "is not a regular file", "input");
    if (stat.size > maxSize) throw tooLarge(path, stat.size, maxSize);
    // Read at most maxSize + 1 bytes, so a file growing after fstat still cannot exceed the limit.
    const buf = readBuffer(Math.min(stat.size, maxSize) + 1);
    let got = 0;
    for (;;) {
      const bytesRead = readSync(fd, buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got === buf.length) break;
    }
    if (got > maxSize) {
      throw new InputError(
        path,
        `grew past the --max-size limit of ${maxSize} while read`,
        "too-large",
      );
    }
    const bytes = buf.subarray(0, got);
    let realPath = path;
    if (forWrite) {
      try {
        realPath = realpathSync(path);
      } catch {
        // keep the path as given; the write step reports any problem with it
      }
    }
    return {
      path,
      realPath,
      text: decode(path, bytes),
      hash: forWrite ? sha256(bytes) : "",
      mode: stat.mode & 0o7777,
      uid: stat.uid,
      gid: stat.gid,
      nlink: stat.nlink,
    };
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(path, `cannot read: ${describeFsError(error)}`, "unreadable");
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing to do: the descriptor is gone either way
    }
  }
}

function tooLarge(path: string, size: number, max: number): InputError {
  return new InputError(path, `is ${size} bytes, over the --max-size limit of ${max}`, "too-large");
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "ENOTDIR":
      return "a parent of the path is not a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "EISDIR":
      return "is a directory";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on device";
    case "ENAMETOOLONG":
      return "file name too long";
    default:
      return oneLine((error as Error)?.message ?? String(error));
  }
}

/** Messages go on one status line: fold line breaks and other control characters. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\s*[\u0000-\u001f\u007f]+\s*/g, " ").trim();
}
