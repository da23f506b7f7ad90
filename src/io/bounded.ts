// convert() with a deadline. convert() is synchronous, so the only way to stop a runaway
// conversion is to run it elsewhere: a worker thread that is terminated when time is up.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { convert } from "../convert.js";
import type { ConvertOptions, ConvertResult } from "../types.js";
import { InputError } from "./read.js";

export const DEFAULT_TIMEOUT_MS = 20_000;

interface Pending {
  resolve: (r: ConvertResult) => void;
  reject: (e: Error) => void;
}

/** Worker bootstrap: under tsx (TypeScript sources) register the loader first, then the body. */
const BOOT = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((e) => { throw e; });
`;

/** Time bound of a conversion as data (a worker thread applies it too, so no callback). */
export interface TimeoutPolicy {
  /** Milliseconds a conversion may take; <= 0: unbounded, in-process. */
  ms: number;
  /** Only texts longer than this many characters are bounded (-1: every text). */
  overChars: number;
}

/** The bound for one text under `policy` (0: none). */
export function boundFor(policy: TimeoutPolicy | undefined, text: string): number {
  return policy && policy.ms > 0 && text.length > policy.overChars ? policy.ms : 0;
}

let shared: { worker: Worker; ready: Promise<void>; pending: Map<number, Pending> } | undefined;
let nextId = 1;

/**
 * Starts a conversion worker (src/io/convert-worker): from the sources under tsx, from the tsc
 * output, or beside the bundle. Throws when the worker script is not found. Used by the time
 * bound here and by the bulk pool (src/bulk/pool.ts).
 */
export function spawnConvertWorker(): Worker {
  const here = import.meta.url;
  const ts = here.endsWith(".ts");
  // Sources (tsx), the tsc output (dist/src/io/) or the bundle (dist/msb-migrate.mjs, whose
  // tsc output sits beside it in dist/src/io/).
  const entry = ts
    ? new URL("./convert-worker.ts", here).href
    : [new URL("./convert-worker.js", here), new URL("./src/io/convert-worker.js", here)].find(
        (u) => existsSync(fileURLToPath(u)),
      )?.href;
  if (!entry) throw new Error("conversion worker not found beside " + here);
  // The ESM build of tsx's API (its CommonJS build cannot register from a worker).
  const tsx = ts
    ? pathToFileURL(
        createRequire(here)
          .resolve("tsx/esm/api")
          .replace(/\.cjs$/, ".mjs"),
      ).href
    : undefined;
  return new Worker(BOOT, { eval: true, workerData: { entry, tsx } });
}

function startWorker(): NonNullable<typeof shared> {
  const worker = spawnConvertWorker();
  const pending = new Map<number, Pending>();
  const state = { worker, pending, ready: undefined as unknown as Promise<void> };
  state.ready = new Promise<void>((resolve, reject) => {
    worker.on(
      "message",
      (m: { ready?: true; id?: number; result?: ConvertResult; error?: { message: string } }) => {
        if (m.ready) return resolve();
        const p = pending.get(m.id!);
        if (!p) return;
        pending.delete(m.id!);
        if (pending.size === 0) worker.unref();
        if (m.error) p.reject(new Error(m.error.message));
        else p.resolve(m.result!);
      },
    );
    const fail = (e: Error) => {
      if (shared === state) shared = undefined;
      reject(e);
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`conversion worker exited (code ${code})`)));
  });
  state.ready.catch(() => undefined);
  worker.unref();
  return state;
}

/**
 * Convert with a time bound. timeoutMs <= 0 converts in this thread without a bound.
 * Throws InputError (code "timeout") when the deadline passes; the worker is then discarded.
 */
export async function convertBounded(
  path: string,
  text: string,
  options: ConvertOptions,
  timeoutMs: number,
): Promise<ConvertResult> {
  if (!(timeoutMs > 0)) return convert(text, options);
  try {
    shared ??= startWorker();
  } catch {
    return convert(text, options); // no worker in this install: convert here, unbounded
  }
  const state = shared;
  const id = nextId++;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<ConvertResult>((resolve, reject) => {
      state.pending.set(id, { resolve, reject });
      state.worker.ref();
      state.ready.then(
        () => {
          state.worker.postMessage({ id, text, options });
          // The clock starts once the worker is up: the bound is for the conversion itself.
          timer = setTimeout(() => {
            state.pending.delete(id);
            if (shared === state) shared = undefined;
            void state.worker.terminate();
            const why = `conversion took longer than --timeout-ms ${timeoutMs}`;
            reject(new InputError(path, why, "timeout"));
          }, timeoutMs);
        },
        // No worker (an unusual runtime): convert here rather than not at all.
        () => {
          state.pending.delete(id);
          try {
            resolve(convert(text, options));
          } catch (e) {
            reject(e as Error);
          }
        },
      );
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Stop the shared worker (tests, or a CLI that wants to exit at once). */
export async function closeBounded(): Promise<void> {
  const s = shared;
  shared = undefined;
  if (s) await s.worker.terminate();
}
