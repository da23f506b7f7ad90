// Worker thread body: convert() on request, so the caller can stop a conversion that runs too long
// (src/io/bounded.ts), and whole bulk files (read + convert) for the bulk pool (src/bulk/pool.ts).
import { parentPort } from "node:worker_threads";
import { runFileJob, serializeError, type FileJob } from "../bulk/job.js";
import { convert } from "../convert.js";
import type { ConvertOptions } from "../types.js";

type Request = { id: number; text: string; options: ConvertOptions } | { id: number; job: FileJob };

parentPort!.on("message", (m: Request) => {
  const { id } = m;
  if ("job" in m) {
    // The bound goes out before the conversion starts: the main thread times it from there.
    const reply = runFileJob(m.job, (ms) => parentPort!.postMessage({ id, bound: ms }));
    // Sent as one JSON string: postMessage's structured clone of the reply object (~250
    // objects) cost ~0.6 ms per file, a third of a conversion, and a v8.serialize buffer ~0.3 ms;
    // JSON.stringify and a string post ~0.08 ms. The reply is plain JSON data (the --json output).
    parentPort!.postMessage({ id, reply: JSON.stringify(reply) });
    return;
  }
  try {
    parentPort!.postMessage({ id, result: convert(m.text, m.options) });
  } catch (error) {
    parentPort!.postMessage({ id, error: serializeError(error) });
  }
});
parentPort!.postMessage({ ready: true });
