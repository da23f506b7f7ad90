import { parse as parseBash } from "unbash";
import type { ShellCommand } from "../types.js";
import { posix } from "node:path";

// unbash's node shapes are loose at the edges we use; this is the subset we read.
interface BashNode {
  type: string;
  pos: number;
  end: number;
  text?: string;
  value?: string;
  name?: BashNode | string;
  prefix?: BashNode[];
  suffix?: BashNode[];
  commands?: BashNode[];
  command?: BashNode;
  body?: BashNode;
  errors?: { message: string }[];
  [key: string]: unknown;
}

/**
 * Replace Docker's line continuations (escape + newline) and the comment lines inside them by
 * spaces of the same length, so the shell sees what Docker runs while offsets stay those of the
 * file. Docker drops comment and empty lines inside a continued instruction.
 */
export function joinContinuations(raw: string, escape: string): string {
  // Most instructions are one line: with no newline, or no escape character, nothing continues.
  if (!raw.includes("\n") || !raw.includes(escape)) return raw;
  // Pieces of the result: kept slices of `raw` and runs of spaces (no array of characters).
  let out = "";
  let kept = 0;
  const blank = (from: number, to: number) => {
    out += raw.slice(kept, from) + " ".repeat(to - from);
    kept = to;
  };
  let i = 0;
  let continuing = false;
  while (i < raw.length) {
    const lineEnd = raw.indexOf("\n", i);
    const end = lineEnd === -1 ? raw.length : lineEnd;
    const line = raw.slice(i, end);
    if (continuing && /^\s*#/.test(line)) {
      blank(i, lineEnd === -1 ? end : lineEnd + 1);
      i = end + 1;
      continue;
    }
    const body = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (body.endsWith(escape) && lineEnd !== -1 && !isEscapedEscape(body, escape)) {
      blank(i + body.length - 1, lineEnd + 1);
      continuing = true;
    } else {
      continuing = false;
    }
    i = end + 1;
  }
  return out + raw.slice(kept);
}

function isEscapedEscape(body: string, escape: string): boolean {
  let n = 0;
  for (let k = body.length - 1; k >= 0 && body[k] === escape; k--) n++;
  return n % 2 === 0;
}

export interface ParsedShell {
  commands: ShellCommand[];
  errors: string[];
}

/**
 * Parse shell text into simple commands in execution order, tracking `cd` so each command knows
 * its directory. `base` is the offset of `text` in the file; `workdir` the WORKDIR in effect.
 */
export function parseShell(text: string, base: number, workdir: string): ParsedShell {
  let ast: BashNode;
  try {
    ast = parseBash(text) as unknown as BashNode;
  } catch (error) {
    return { commands: [], errors: [String((error as Error).message ?? error)] };
  }
  const errors = (ast.errors ?? []).map((e) => e.message);
  const commands: ShellCommand[] = [];
  const state = { cwd: workdir };
  walk(ast, text, base, state, commands);
  return { commands, errors };
}

function wordValue(node: BashNode | undefined): string {
  if (!node) return "";
  if (typeof node.value === "string") return node.value;
  return node.text ?? "";
}

function walk(
  node: BashNode,
  text: string,
  base: number,
  state: { cwd: string },
  out: ShellCommand[],
): void {
  if (!node || typeof node !== "object") return;
  if (node.type === "Command") {
    const nameNode = typeof node.name === "object" ? node.name : undefined;
    const assignments: Record<string, string> = {};
    for (const p of node.prefix ?? []) {
      if (p.type === "Assignment" && typeof p.name === "string") {
        assignments[p.name] = wordValue(p.value as BashNode | undefined);
      }
    }
    const args = (node.suffix ?? []).filter((s) => s.type === "Word").map((s) => wordValue(s));
    const name = wordValue(nameNode);
    const cmd: ShellCommand = {
      name,
      args,
      assignments,
      cwd: state.cwd,
      offset: base + node.pos,
      text: text.slice(node.pos, node.end),
    };
    if (name || Object.keys(assignments).length > 0) out.push(cmd);
    if (name === "cd" && args.length > 0 && !args[0]!.startsWith("-")) {
      state.cwd = resolvePath(state.cwd, args[0]!);
    }
    return;
  }
  // Subshells keep their own directory: `(cd x && make)` does not move the outer shell.
  const scoped = node.type === "Subshell";
  const saved = state.cwd;
  for (const key of Object.keys(node)) {
    if (key === "parent") continue;
    const child = node[key];
    if (Array.isArray(child)) {
      for (const c of child)
        if (c && typeof c === "object" && "type" in c) walk(c, text, base, state, out);
    } else if (child && typeof child === "object" && "type" in (child as object)) {
      const c = child as BashNode;
      // Words and their expansions are not commands we classify.
      if (c.type === "Word" || c.type === "Assignment") continue;
      walk(c, text, base, state, out);
    }
  }
  if (scoped) state.cwd = saved;
}

/** Resolve a path against a directory; leaves paths with unexpanded variables as written. */
export function resolvePath(cwd: string, p: string): string {
  if (p.startsWith("/")) return posix.normalize(p);
  if (p.startsWith("$") || p.startsWith("~")) return p;
  return posix.normalize(posix.join(cwd || "/", p));
}

/** Files a command's output goes to (`> f`, `>> f`), and whether it appends; `&1`-style
 * duplications are not files. */
export function redirectTargets(text: string): { path: string; append: boolean }[] {
  return [...text.matchAll(/(>>?)\s*["']?([^\s"';&|]+)/g)].map((m) => ({
    path: m[2]!,
    append: m[1] === ">>",
  }));
}

/** The files a command writes by redirection, /dev/null aside. */
export function redirectFiles(text: string): string[] {
  return redirectTargets(text)
    .map((r) => r.path)
    .filter((p) => p !== "/dev/null");
}
