import { DockerfileParser, Instruction, type Argument } from "dockerfile-ast";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Document, InstructionNode } from "../types.js";
import { scanDockerfile, type RawInstruction } from "./scan.js";
import { joinContinuations, parseShell, resolvePath } from "./shell.js";

const BOM = "\uFEFF";

/**
 * dockerfile-ast recomputes an instruction's argument list (a character scan that builds a Range
 * per word) every time one is asked for: three to five times per RUN, COPY or CMD while it parses,
 * once more for our getArgumentsRange(). The list is a pure function of the immutable document
 * and range, so while we parse, the first result is kept per instruction and each caller gets a
 * copy (ModifiableInstruction.getArguments shifts the array it is given).
 *
 * The wrapper is installed once and memoises only while one of our parses runs (`activeMemo`);
 * otherwise it calls straight through, so the library behaves as shipped for anyone else. Not
 * patched and restored per parse: a fresh closure on the prototype each time left V8 holding on to
 * old ones (and their memo), and every minor GC of a bulk run promoted megabytes and ran 10× slower.
 */
const instructionProto = Instruction.prototype as unknown as { getRawArguments?: () => Argument[] };
const rawArguments = instructionProto.getRawArguments;
let activeMemo: Map<object, Argument[]> | null = null;
const memoisable = typeof rawArguments === "function";
if (memoisable) {
  instructionProto.getRawArguments = function (this: object): Argument[] {
    if (!activeMemo) return rawArguments.call(this);
    let args = activeMemo.get(this);
    if (!args) {
      args = rawArguments.call(this);
      activeMemo.set(this, args);
    }
    return args.slice();
  };
}

function withMemoisedArguments<T>(fn: () => T): T {
  if (!memoisable || activeMemo) return fn(); // an unknown dockerfile-ast, or already inside a parse
  activeMemo = new Map();
  try {
    return fn();
  } finally {
    activeMemo = null;
  }
}

/** Parse a Dockerfile into instructions with byte-exact ranges and parsed shell. */
export function parseDocument(input: string): Document {
  return parseWith(input, true);
}

/** The same parse through dockerfile-ast only (no fast path): for the tests that both agree. */
export function parseDocumentWithAst(input: string): Document {
  return parseWith(input, false);
}

/** The same parse through dockerfile-ast without the argument memo: for the test that both agree. */
export function parseDocumentUncached(input: string): Document {
  return parseWith(input, false, false);
}

/** A plain file's instructions from the fast scanner; null when it needs dockerfile-ast. */
function scannedFile(text: string): { escape: string; raw: RawInstruction[] } | null {
  const raw = scanDockerfile(text);
  return raw ? { escape: "\\", raw } : null;
}

/** Instructions as dockerfile-ast reads them (with the heredoc workaround and argument memo). */
function parsedFile(text: string, memo = true): { escape: string; raw: RawInstruction[] } {
  const read = () => {
    const dockerfile = DockerfileParser.parse(heredocWorkaround(text));
    // The parser's own document has the same lines and offsets as `text` (the workaround keeps
    // every length): reuse its line table rather than build a second one.
    const textDoc =
      (dockerfile as unknown as { document?: TextDocument }).document ??
      TextDocument.create("file:///Dockerfile", "dockerfile", 0, text);
    const raw = dockerfile.getInstructions().map((ins): RawInstruction => {
      const range = ins.getRange();
      const argsRange = ins.getArgumentsRange();
      return {
        keyword: ins.getKeyword().toUpperCase(),
        start: textDoc.offsetAt(range.start),
        end: textDoc.offsetAt(range.end),
        argsStart: argsRange ? textDoc.offsetAt(argsRange.start) : null,
        flags: readFlags(ins),
        properties: readProperties(ins),
      };
    });
    return { escape: dockerfile.getEscapeCharacter(), raw };
  };
  return memo ? withMemoisedArguments(read) : read();
}

function parseWith(input: string, useScanner: boolean, memo = true): Document {
  const bom = input.startsWith(BOM);
  const text = bom ? input.slice(1) : input;
  let lf = 0;
  let crlf = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    if (i > 0 && text.charCodeAt(i - 1) === 13) crlf++;
    else lf++;
  }
  const eol = crlf > lf ? "\r\n" : "\n";
  const finalNewline = text.endsWith("\n");
  const { escape, raw } = (useScanner && scannedFile(text)) || parsedFile(text, memo);

  const instructions: InstructionNode[] = [];
  let stage = -1;
  let workdir = "/";
  const globalArgs: Record<string, string | undefined> = {};
  // Line numbers, counted forward: instructions come in text order.
  let line = 1;
  let counted = 0;
  const lineOf = (offset: number): number => {
    for (let i = text.indexOf("\n", counted); i !== -1 && i < offset; i = text.indexOf("\n", i + 1))
      line++;
    counted = offset;
    return line;
  };
  for (const ins of raw) {
    const { keyword, start, end } = ins;
    if (keyword === "FROM") {
      stage++;
      workdir = "/";
    }
    const argsStart = ins.argsStart ?? end;
    const rawArgs = text.slice(argsStart, end);
    const joined = joinContinuations(rawArgs, escape);
    const node: InstructionNode = {
      index: instructions.length,
      keyword,
      line: lineOf(start),
      endLine: lineOf(end),
      start,
      end,
      raw: text.slice(start, end),
      args: joined.replace(/\s+/g, " ").trim(),
      exec: parseExecForm(joined),
      flags: ins.flags,
      commands: [],
      shellErrors: [],
      properties: ins.properties,
      stage,
    };
    if (keyword === "ONBUILD") node.onbuild = node.args.split(/\s+/)[0]?.toUpperCase();
    if (keyword === "ARG" && stage === -1) {
      for (const part of node.args.split(/\s+/)) {
        const eq = part.indexOf("=");
        if (eq === -1) globalArgs[part] = undefined;
        else globalArgs[part.slice(0, eq)] = unquote(part.slice(eq + 1));
      }
    }
    if (keyword === "WORKDIR") workdir = resolvePath(workdir, unquote(node.args));
    if (keyword === "RUN") shellOf(node, joined, argsStart, workdir);
    instructions.push(node);
  }
  return {
    text: input,
    eol,
    bom,
    finalNewline,
    escape,
    instructions,
    stageCount: stage + 1,
    globalArgs,
  };
}

/**
 * dockerfile-ast does not see a heredoc written `<< 'EOF'` (space after <<, upstream #120) and
 * parses its body as instructions. Move the space behind the delimiter for the parser only: same
 * length, so every offset still points into the original text.
 */
export function heredocWorkaround(text: string): string {
  if (!text.includes("<<")) return text;
  return text.replace(/<<(-?)([ \t]+)(['"]?[A-Za-z_][A-Za-z0-9_]*['"]?)/g, "<<$1$3$2");
}

/** Fill the shell commands of a RUN: exec form, heredoc body or shell form. */
function shellOf(node: InstructionNode, joined: string, argsStart: number, workdir: string): void {
  // Flags such as --mount=… come first in the argument text; skip them for the shell.
  const flagPrefix = /^(\s*--[a-zA-Z-]+(=("[^"]*"|\S*))?\s+)*/.exec(joined)?.[0] ?? "";
  const body = joined.slice(flagPrefix.length);
  const bodyStart = argsStart + flagPrefix.length;
  if (node.exec) {
    const [prog, ...rest] = node.exec;
    const shellIdx = rest.indexOf("-c");
    if (prog && /(^|\/)(ba|da|a)?sh$/.test(prog) && shellIdx !== -1 && rest[shellIdx + 1]) {
      const parsed = parseShell(rest[shellIdx + 1]!, bodyStart, workdir);
      node.commands = parsed.commands;
      node.shellErrors = parsed.errors;
    } else if (prog) {
      node.commands = [
        { name: prog, args: rest, assignments: {}, cwd: workdir, offset: bodyStart, text: body },
      ];
    }
    return;
  }
  const heredoc = /^<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2[^\n]*\n/.exec(body);
  if (heredoc) {
    const name = heredoc[3]!;
    const contentStart = heredoc[0].length;
    const endRe = new RegExp(`\\n[\\t ]*${name}\\s*$`);
    const m = endRe.exec(body);
    // CRLF files: the CR is not part of the last word. A space keeps every offset in place.
    const content = body
      .slice(contentStart, m ? m.index + 1 : body.length)
      .replace(/\r(?=\n)/g, " ");
    const parsed = parseShell(content, bodyStart + contentStart, workdir);
    node.commands = parsed.commands;
    node.shellErrors = m ? parsed.errors : [...parsed.errors, `heredoc ${name} is not terminated`];
    return;
  }
  const parsed = parseShell(body, bodyStart, workdir);
  node.commands = parsed.commands;
  node.shellErrors = parsed.errors;
}

function parseExecForm(args: string): string[] | null {
  const t = args.trim();
  if (!t.startsWith("[")) return null;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : null;
  } catch {
    return null;
  }
}

function readProperties(ins: Instruction): [string, string][] {
  const withProps = ins as Instruction & {
    getProperties?: () => { getName(): string; getValue(): string | null }[];
  };
  return (withProps.getProperties?.() ?? []).map((p) => [p.getName(), p.getValue() ?? ""]);
}

function readFlags(ins: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  const withFlags = ins as Instruction & {
    getFlags?: () => { getName(): string; getValue(): string | null }[];
  };
  for (const f of withFlags.getFlags?.() ?? []) out[f.getName().toLowerCase()] = f.getValue() ?? "";
  return out;
}

export function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.endsWith(t[0]!)) return t.slice(1, -1);
  return t;
}
