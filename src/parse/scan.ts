// A fast path for the common Dockerfile: instruction boundaries, flags and properties found with
// one pass over the text, the same as dockerfile-ast reports them, without its object graph (a
// Range per word, rescans per getter). It answers only when the file is plain: no CR, no heredoc,
// no escape directive, no escapes (or partly quoted values) where flags and ENV/LABEL/ARG pairs
// are read, no ONBUILD or unknown instruction. Anything else returns null and dockerfile-ast parses
// the file. A differential test (test/scan.test.ts) pins the two to the same Document on every
// fixture, the corpus, converted outputs and generated files.

/** What parseDocument needs of one instruction. */
export interface RawInstruction {
  /** Upper-cased keyword. */
  keyword: string;
  /** Offset of the keyword. */
  start: number;
  /** Offset of the line break that ends the instruction (or the end of the text). */
  end: number;
  /** Offset of the first argument after any flags; null when there is none. */
  argsStart: number | null;
  flags: Record<string, string>;
  properties: [string, string][];
}

/** Every instruction Docker knows (MAINTAINER is deprecated but still accepted). */
export const INSTRUCTIONS: ReadonlySet<string> = new Set(
  "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL STOPSIGNAL USER VOLUME WORKDIR".split(
    " ",
  ),
);
/** Instructions whose leading `--name[=value]` words are flags (dockerfile-ast's getFlags). */
const FLAGGED = new Set(["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"]);
const PROPERTIES = new Set(["ENV", "LABEL", "ARG"]);
const ESCAPE = "\\";

/** Instructions of a plain Dockerfile, or null when dockerfile-ast must parse it. */
export function scanDockerfile(text: string): RawInstruction[] | null {
  if (text.includes("\r") || text.includes("<<") || /^[ \t]*#[ \t]*escape[ \t]*=/im.test(text))
    return null;
  const out: RawInstruction[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10) continue;
    if (c === 35 /* # */) {
      i = lineEnd(text, i);
      continue;
    }
    const ins = instruction(text, i);
    if (!ins) return null;
    out.push(ins);
    i = ins.end;
  }
  return out;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf("\n", from);
  return nl === -1 ? text.length : nl;
}

function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

function instruction(text: string, start: number): RawInstruction | null {
  const n = text.length;
  let kwEnd = start;
  while (kwEnd < n && !isBlank(text[kwEnd]) && text[kwEnd] !== "\n") kwEnd++;
  const word = text.slice(start, kwEnd);
  const keyword = word.toUpperCase();
  // ONBUILD's trigger is an instruction of its own: dockerfile-ast reads those.
  if (word.includes(ESCAPE) || !INSTRUCTIONS.has(keyword) || keyword === "ONBUILD") return null;
  const end = kwEnd < n && text[kwEnd] !== "\n" ? argumentsEnd(text, kwEnd) : kwEnd;
  const words = leadingWords(text, kwEnd, end, keyword);
  if (!words) return null;
  const flags: Record<string, string> = {};
  let first = 0;
  for (; first < words.length && words[first]!.flag; first++) {
    const w = words[first]!.text;
    if (/["']/.test(w)) return null;
    const eq = w.indexOf("=");
    flags[(eq === -1 ? w.slice(2) : w.slice(2, eq)).toLowerCase()] =
      eq === -1 ? "" : w.slice(eq + 1);
  }
  const argsStart = words[first]?.start ?? null;
  let properties: [string, string][] = [];
  if (PROPERTIES.has(keyword) && argsStart !== null) {
    const props = readProperties(keyword, text.slice(argsStart, end));
    if (!props) return null;
    properties = props;
  }
  return { keyword, start, end, argsStart, flags, properties };
}

/**
 * Whether a leading word is a flag (dockerfile-ast's getFlags and stopSearchingForFlags): false
 * for the first argument, null when the two could read it differently (`a--b`, HEALTHCHECK words
 * before CMD that are not flags).
 */
function isFlag(keyword: string, w: string): boolean | null {
  if (!FLAGGED.has(keyword)) return false;
  if (keyword === "HEALTHCHECK") {
    if (/^(CMD|NONE)$/i.test(w)) return false;
    return w.startsWith("--") ? true : null;
  }
  if (!w.includes("--")) return false;
  return w.startsWith("--") ? true : null;
}

/**
 * dockerfile-ast's processArguments: the instruction runs to the first line break that is not
 * escaped. A continuation may be followed by blank lines and comment lines, which it swallows.
 */
function argumentsEnd(text: string, from: number): number {
  const n = text.length;
  let escaped = false;
  for (let i = from + 1; i < n; i++) {
    const ch = text[i];
    if (ch === "\n") {
      if (!escaped) return i;
    } else if (ch === ESCAPE) {
      const next = text[i + 1];
      if (next === "\n") {
        escaped = true;
        i++;
      } else if (isBlank(next)) {
        let j = i + 2;
        while (j < n && isBlank(text[j])) j++;
        if (j >= n) return n;
        if (text[j] === "\n") escaped = true;
        i = j; // dockerfile-ast skips the character it stopped at
      }
    } else if (ch === "#") {
      if (escaped) i = lineEnd(text, i);
    } else if (!isBlank(ch)) {
      escaped = false;
    }
  }
  return n;
}

/**
 * The flag words and the first argument after them, with their offsets. Null when a line
 * continuation leads to a blank or comment line before that argument, when an escape character
 * appears other than as a line continuation, or when isFlag cannot tell (null): the cases where
 * dockerfile-ast's argument split needs its own reading.
 */
function leadingWords(
  text: string,
  from: number,
  end: number,
  keyword: string,
): { text: string; start: number; flag: boolean }[] | null {
  const words: { text: string; start: number; flag: boolean }[] = [];
  let i = from;
  let continued = false;
  while (i < end) {
    const ch = text[i]!;
    if (isBlank(ch)) {
      i++;
      continue;
    }
    if (ch === "\n") {
      // Only inside a continuation: what follows must be an argument, not a comment or blank.
      const next = /^[ \t]*(.?)/.exec(text.slice(i + 1, i + 200))![1];
      if (!continued || next === "#" || next === "\n" || next === "") return null;
      continued = false;
      i++;
      continue;
    }
    if (ch === ESCAPE) {
      let j = i + 1;
      while (j < end && isBlank(text[j])) j++;
      if (j < end && text[j] !== "\n") return null; // an escaped character, not a continuation
      continued = true;
      i = j;
      continue;
    }
    let j = i;
    while (j < end && !isBlank(text[j]) && text[j] !== "\n") j++;
    const word = text.slice(i, j);
    // dockerfile-ast unescapes a word's value: then it is not the raw text.
    if (word.includes(ESCAPE)) return null;
    const flag = isFlag(keyword, word);
    if (flag === null) return null;
    words.push({ text: word, start: i, flag });
    if (!flag) break;
    i = j;
  }
  return words;
}

/**
 * ENV, LABEL and ARG pairs in the forms dockerfile-ast and Docker read alike: `k=v` pairs (ARG:
 * one), or the legacy `ENV k v` / `LABEL k v` with one value word. A value is bare or wholly in
 * one pair of quotes (which are dropped). Line continuations between bare pairs are white space. Null
 * for anything else: escapes, quoted names, values partly quoted, comment lines inside.
 */
function readProperties(keyword: string, args: string): [string, string][] | null {
  const joined = args.replace(/([ \t])\\[ \t]*\n/g, "$1 ");
  // A continuation inside quotes joins the two lines' text: quoted values stay on one line here.
  if (/[\\\n]/.test(joined) || (joined !== args && /["']/.test(args))) return null;
  const words = splitWords(joined);
  if (!words || words.length === 0) return null;
  const first = words[0]!;
  const eq0 = first.indexOf("=");
  if (eq0 > 0 && !/["']/.test(first.slice(0, eq0))) {
    if (keyword === "ARG" && words.length > 1) return null;
    const out: [string, string][] = [];
    for (const w of words) {
      const eq = w.indexOf("=");
      const name = w.slice(0, eq);
      const value = eq > 0 && !/["']/.test(name) ? unquoted(w.slice(eq + 1)) : null;
      if (value === null) return null;
      out.push([name, value]);
    }
    return out;
  }
  if (eq0 !== -1 || /["']/.test(first)) return null;
  if (keyword === "ARG") return words.length === 1 ? [[first, ""]] : null;
  const value = words.length === 2 ? unquoted(words[1]!) : null;
  return value === null ? null : [[first, value]];
}

/** A bare value as it is, a wholly quoted one without its quotes; null when partly quoted. */
function unquoted(v: string): string | null {
  if (!/["']/.test(v)) return v;
  const m = /^"([^"]*)"$|^'([^']*)'$/.exec(v);
  return m ? (m[1] ?? m[2]!) : null;
}

/** Words split at spaces and tabs outside quotes; null for an unterminated quote. */
function splitWords(s: string): string[] | null {
  const words: string[] = [];
  let word = "";
  let quote = "";
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === " " || ch === "\t") {
      if (word) words.push(word);
      word = "";
      continue;
    }
    word += ch;
  }
  if (quote) return null;
  if (word) words.push(word);
  return words;
}
