// Where the CLI writes, and whether it may colour: only on a TTY, never with NO_COLOR.
import { createColors } from "picocolors";

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
}

export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env) {
  const enabled = !!stream.isTTY && !("NO_COLOR" in env) && env["TERM"] !== "dumb";
  return createColors(enabled);
}
