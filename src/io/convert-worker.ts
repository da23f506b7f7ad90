// Worker thread body: convert() on request, so the caller can stop a conversion that runs too long.
import { parentPort } from "node:worker_threads";
import { convert } from "../convert.js";
import type { ConvertOptions } from "../types.js";

interface Request {
  id: number;
  text: string;
  options: ConvertOptions;
}

parentPort!.on("message", ({ id, text, options }: Request) => {
  try {
    parentPort!.postMessage({ id, result: convert(text, options) });
  } catch (error) {
    const e = error as Error;
    parentPort!.postMessage({
      id,
      error: { message: e?.message ?? String(error), stack: e?.stack },
    });
  }
});
parentPort!.postMessage({ ready: true });
