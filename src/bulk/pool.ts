// A pool of conversion worker threads for bulk runs: convert() is synchronous and CPU-bound, so
// `--jobs N` only uses N cores when the files are read and converted in N threads. The main
// thread walks, orders and prints; each worker reads, converts and sends back a BulkResult.
//
// Each worker has up to DEPTH jobs posted at once, so it never waits for a round trip to the main
// thread between two files. A job whose time bound passes (the worker says when its conversion
// starts, and the bound) stops that worker: the job becomes a `timeout` error, the worker's other
// jobs go back to the queue, and a fresh worker takes its place.
import type { Worker } from "node:worker_threads";
import { InputError } from "../io/read.js";
import { spawnConvertWorker } from "../io/bounded.js";
import { serializeError, type FileJob, type JobReply } from "./job.js";

/** Jobs posted to one worker at once: one converting, one waiting in its message queue. */
export const DEPTH = 2;

/** Thrown by `run` when no worker can run the job (none could start): convert in-process. */
export class PoolUnavailable extends Error {}

interface Task {
  id: number;
  job: FileJob;
  resolve: (r: JobReply) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  dead: boolean;
  /** Posted to this worker, in the order it runs them. */
  tasks: Task[];
  timer?: NodeJS.Timeout;
}

export class ConvertPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private nextId = 1;
  private broken = false;
  private closed = false;
  /** Workers that stopped on their own (not by a timeout): a bound on restarts. */
  private crashes = 0;

  /** Throws when the first worker cannot be created (no worker script in this install). */
  constructor(
    readonly size: number,
    private readonly spawn: () => Worker = spawnConvertWorker,
  ) {
    for (let i = 0; i < size; i++) this.start();
  }

  run(job: FileJob): Promise<JobReply> {
    if (this.broken || this.closed) return Promise.reject(new PoolUnavailable("no workers"));
    return new Promise<JobReply>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.slots];
    this.giveUp();
    await Promise.all(slots.map((s) => this.stop(s)));
  }

  private start(): void {
    const worker = this.spawn();
    const slot: Slot = { worker, ready: false, dead: false, tasks: [] };
    this.slots.add(slot);
    worker.on("message", (m: { ready?: true; id?: number; bound?: number; reply?: string }) => {
      if (slot.dead) return;
      if (m.ready) {
        slot.ready = true;
        this.dispatch();
        return;
      }
      const task = slot.tasks[0];
      // A worker runs its jobs in the order they were posted: the message is about the first.
      if (!task || task.id !== m.id) return;
      if (m.bound !== undefined) {
        const ms = m.bound;
        slot.timer = setTimeout(() => {
          const why = `conversion took longer than --timeout-ms ${ms}`;
          const e = new InputError(task.job.file, why, "timeout");
          this.lose(slot, { ok: false, error: serializeError(e) }, false);
        }, ms);
        return;
      }
      clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.tasks.shift();
      // JSON from the worker: cheaper than a structured clone (see convert-worker.ts).
      task.resolve(JSON.parse(m.reply!) as JobReply);
      this.dispatch();
    });
    const stopped = (why: string) => {
      if (slot.dead || this.closed) return;
      if (!slot.ready) {
        // Never started (e.g. the worker script failed to load): stop using workers at all.
        this.broken = true;
        this.giveUp();
        return;
      }
      // The job it was running gets the error; the others are run again elsewhere.
      const e = new Error(`conversion worker stopped: ${why}`);
      this.lose(slot, { ok: false, error: serializeError(e) }, true);
    };
    worker.on("error", (e) => stopped(e.message));
    worker.on("exit", (code) => stopped(`exit code ${code}`));
  }

  /** Ends `slot`: its running job gets `reply`, the jobs behind it are queued again, a new worker starts. */
  private lose(slot: Slot, reply: JobReply, crashed: boolean): void {
    slot.dead = true;
    this.slots.delete(slot);
    void this.stop(slot);
    const [running, ...rest] = slot.tasks;
    slot.tasks = [];
    this.queue.unshift(...rest);
    running?.resolve(reply);
    if (crashed && ++this.crashes > 3 * this.size) {
      // Something kills every worker: in-process from here on.
      this.broken = true;
      this.giveUp();
      return;
    }
    try {
      this.start();
    } catch {
      if (this.slots.size === 0) {
        this.broken = true;
        this.giveUp();
      }
    }
    this.dispatch();
  }

  private async stop(slot: Slot): Promise<void> {
    slot.dead = true;
    clearTimeout(slot.timer);
    await slot.worker.terminate().catch(() => undefined);
  }

  /** No workers any more: every job not done is handed back for in-process conversion. */
  private giveUp(): void {
    const waiting = this.queue.splice(0);
    for (const s of this.slots) {
      waiting.push(...s.tasks.splice(0));
      void this.stop(s);
    }
    this.slots.clear();
    for (const t of waiting) t.reject(new PoolUnavailable("no workers"));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      while (slot.ready && !slot.dead && slot.tasks.length < DEPTH && this.queue.length > 0) {
        const task = this.queue.shift()!;
        slot.tasks.push(task);
        slot.worker.postMessage({ id: task.id, job: task.job });
      }
    }
  }
}
