// Reading Dockerfiles safely: every way a file can be unusable becomes one clear sentence.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";

export const DEFAULT_MAX_SIZE = 64 * 1024 * 1024;

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
  text: string;
  /** sha256 of the bytes read, to refuse overwriting a file changed since. */
  hash: string;
  mode: number;
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Decode bytes as a Dockerfile: UTF-8 (BOM allowed), never binary or UTF-16. */
export function decode(path: string, bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError(path, "is UTF-16 encoded; Docker reads Dockerfiles as UTF-8", "encoding");
  }
  if (bytes.includes(0))
    throw new InputError(path, "is binary (contains NUL bytes), not a Dockerfile", "binary");
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InputError(path, "is not valid UTF-8", "encoding");
  }
}

export async function readDockerfile(path: string, maxSize = DEFAULT_MAX_SIZE): Promise<ReadFile> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (error) {
    throw new InputError(path, describeFsError(error), "missing");
  }
  if (stat.isDirectory()) throw new InputError(path, "is a directory", "input");
  if (!stat.isFile()) throw new InputError(path, "is not a regular file", "input");
  if (stat.size > maxSize) {
    throw new InputError(
      path,
      `is ${stat.size} bytes, over the --max-size limit of ${maxSize}`,
      "too-large",
    );
  }
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    throw new InputError(path, describeFsError(error), "unreadable");
  }
  return { path, text: decode(path, bytes), hash: sha256(bytes), mode: stat.mode & 0o7777 };
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "EISDIR":
      return "is a directory";
    case "EROFS":
      return "read-only file system";
    default:
      return (error as Error).message ?? String(error);
  }
}
