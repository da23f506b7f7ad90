// Just enough Dockerfile reading for verification: which runtime fields the final stage declares
// itself (so inherited differences can be told apart from real ones), and the stage names.

export interface StageInfo {
  from: string;
  name: string | null;
  /** Upper-case keywords used in the stage. */
  keywords: Set<string>;
  envNames: string[];
  labelNames: string[];
  /** EXPOSE entries as `port/proto` (tcp when not written). */
  exposed: string[];
}

interface Logical {
  keyword: string;
  args: string;
}

/** Joins continuation lines and drops comments and blank lines (heredoc bodies are not needed here). */
function logicalLines(text: string): Logical[] {
  const escapeMatch = /^#\s*escape\s*=\s*([`\\])/im.exec(text.split("\n").slice(0, 5).join("\n"));
  const esc = escapeMatch?.[1] ?? "\\";
  const out: Logical[] = [];
  let buf = "";
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trimEnd();
    if (buf === "" && /^\s*#/.test(line)) continue;
    if (buf !== "" && /^\s*#/.test(line)) continue; // comments inside continuations are skipped
    if (line.endsWith(esc)) {
      buf += line.slice(0, -1) + " ";
      continue;
    }
    buf += line;
    const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(buf);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim() });
    buf = "";
  }
  return out;
}

/** Splits `a=1 "b c"=2` or `NAME value` (ENV/LABEL syntax) into names. */
function propertyNames(args: string): string[] {
  const words = shellWords(args);
  if (words.length === 0) return [];
  if (!words[0]!.includes("=")) return [words[0]!];
  return words.filter((w) => w.includes("=")).map((w) => w.slice(0, w.indexOf("=")));
}

/** Quote-aware word splitting (single and double quotes, backslash escapes). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === "\\" && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in: ${text}`);
  if (inWord) words.push(cur);
  return words;
}

export function readStages(text: string): StageInfo[] {
  const stages: StageInfo[] = [];
  for (const l of logicalLines(text)) {
    if (l.keyword === "FROM") {
      const words = l.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      const asAt = words.findIndex((w) => w.toLowerCase() === "as");
      stages.push({
        from: words[0] ?? "",
        name: asAt >= 0 ? (words[asAt + 1] ?? null) : null,
        keywords: new Set(),
        envNames: [],
        labelNames: [],
        exposed: [],
      });
      continue;
    }
    const st = stages.at(-1);
    if (!st) continue;
    st.keywords.add(l.keyword);
    if (l.keyword === "ENV") st.envNames.push(...propertyNames(l.args));
    if (l.keyword === "LABEL") st.labelNames.push(...propertyNames(l.args));
    if (l.keyword === "EXPOSE") {
      st.exposed.push(
        ...shellWords(l.args).map((w) => (w.includes("/") ? w.toLowerCase() : `${w}/tcp`)),
      );
    }
  }
  return stages;
}
