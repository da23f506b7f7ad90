// Shell scripts from the build context: what an entry script (`CMD ["./run.sh"]`, `bash run.sh`)
// runs, and the commands of a script a RUN runs (`RUN ./build.sh`), read as if written in the RUN.
// Only scripts a COPY/ADD brings from the context are read, and only their text as the context
// reader kept it (data/manifests.yaml `read`: `.sh` files, bounded in size): never a guess.
import { posix } from "node:path";
import { BuildContext, normalise } from "./build-context.js";
import { SHELLS } from "./analyse.js";
import { commands as commandData, findMatcher, matchesCommand, packages } from "./data.js";
import { parseShell, resolvePath } from "./parse/shell.js";
import type { TransformContext } from "./transform.js";
import type { Document, ShellCommand } from "./types.js";

/** A COPY/ADD from the build context, its destination resolved against the WORKDIR. */
interface ContextCopy {
  index: number;
  line: number;
  dest: string;
  /** The destination is a folder (ends in `/`, `.`, several sources, or a folder is copied). */
  folder: boolean;
  sources: string[];
}

/** COPY/ADD instructions from the context, WORKDIR tracked (before the facts exist). */
function copiesOf(doc: Document): ContextCopy[] {
  const out: ContextCopy[] = [];
  let workdir = "/";
  for (const ins of doc.instructions) {
    if (ins.keyword === "FROM") workdir = "/";
    if (ins.keyword === "WORKDIR") workdir = resolvePath(workdir, ins.args.trim());
    if ((ins.keyword !== "COPY" && ins.keyword !== "ADD") || ins.flags["from"]) continue;
    const words = ins.exec ?? ins.args.split(/\s+/).filter((w) => w && !w.startsWith("--"));
    if (words.length < 2) continue;
    const dest = words[words.length - 1]!;
    const sources = words.slice(0, -1);
    out.push({
      index: ins.index,
      line: ins.line,
      dest: resolvePath(workdir, dest).replace(/\/$/, "") || "/",
      folder: dest.endsWith("/") || dest === "." || sources.length > 1,
      sources,
    });
  }
  return out;
}

/**
 * The context file a path of the image comes from: the last COPY/ADD before `before` that puts a
 * context file there. null when no COPY from the context puts anything there.
 */
export function contextSourceOf(
  doc: Document,
  context: BuildContext | null,
  imagePath: string,
  before: number,
  /** Also a path a folder copy would bring, whether or not the context holds it. */
  lenient = false,
): { file: string; line: number } | null {
  let found: { file: string; line: number } | null = null;
  for (const c of copiesOf(doc)) {
    if (c.index >= before) break;
    if (c.sources.some((s) => /[*?[]/.test(s) || s.includes("$") || /^https?:/.test(s))) continue;
    for (const s of c.sources) {
      const src = normalise(s);
      const isFolder = src === "" || (context?.hasFolder(src) ?? false);
      let file: string | undefined;
      if (isFolder) {
        // The folder's contents land in the destination: the file must be among them.
        if (imagePath.startsWith(c.dest === "/" ? "/" : c.dest + "/")) {
          const inside = normalise(
            posix.join(src, imagePath.slice(c.dest === "/" ? 1 : c.dest.length + 1)),
          );
          if (!context || lenient || context.hasFile(inside)) file = inside;
        }
      } else if (c.folder || context?.hasFolder(c.dest.slice(1))) {
        if (imagePath === posix.join(c.dest, posix.basename(src))) file = src;
      } else if (imagePath === c.dest) file = src;
      if (file !== undefined) found = { file: normalise(file), line: c.line };
    }
  }
  return found;
}

export type ScriptText =
  { text: string; file: string; line: number } | { why: string; file?: string; line?: number };

/** The text of the script at `imagePath`, copied from the context before instruction `before`. */
export function readScript(
  doc: Document,
  input: BuildContext | { unknown: string } | undefined,
  imagePath: string,
  before: number,
): ScriptText | null {
  const context = input && !("unknown" in input) ? input : null;
  const src = contextSourceOf(doc, context, imagePath, before);
  if (!src) return null;
  if (!input) return { why: "the build context is not known", ...src };
  if ("unknown" in input)
    return { why: `the build context is not known (${input.unknown})`, ...src };
  if (!input.hasFile(src.file)) return { why: `${src.file} is not in the build context`, ...src };
  const text = input.read(src.file);
  if (text === undefined)
    return {
      why: `${src.file} was not read (only .sh files within the size and count limits are)`,
      ...src,
    };
  return { text, ...src };
}

/** The script a command runs: `./build.sh`, `/x/run.sh`, `sh build.sh`, `bash -e x.sh`. */
function scriptCalled(cmd: ShellCommand): string | null {
  if (SHELLS.test(cmd.name)) {
    const i = cmd.args.findIndex((a) => !a.startsWith("-"));
    // `sh -c "…"` runs text, not a file
    if (i === -1 || cmd.args.slice(0, i).some((a) => a.includes("c"))) return null;
    const s = cmd.args[i]!;
    return s.includes("$") ? null : resolvePath(cmd.cwd, s);
  }
  // `./build.sh`, `scripts/build.sh`, `/src/build.sh` (a bare `build.sh` is a PATH lookup);
  // `./configure` and other files without the suffix are not taken for shell scripts.
  if (cmd.name.includes("$") || !cmd.name.endsWith(".sh") || !cmd.name.includes("/")) return null;
  return resolvePath(cmd.cwd, cmd.name);
}

/** Command substitutions (`$(nproc)`, `` `date` ``) of a text: their inner texts, nested too. */
function substitutions(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "(" && text[i + 2] !== "(") {
      let depth = 0;
      for (let j = i + 1; j < text.length; j++) {
        if (text[j] === "(") depth++;
        else if (text[j] === ")" && --depth === 0) {
          const inner = text.slice(i + 2, j);
          out.push(inner, ...substitutions(inner));
          break;
        }
      }
    } else if (text[i] === "`") {
      const j = text.indexOf("`", i + 1);
      if (j > i) {
        out.push(text.slice(i + 1, j));
        i = j;
      }
    }
  }
  return out;
}

/** Every command of a script, those inside command substitutions too. */
export function scriptCommands(
  text: string,
  cwd: string,
): { commands: ShellCommand[]; errors: string[] } {
  const top = parseShell(text, 0, cwd);
  const commands = [...top.commands];
  const errors = [...top.errors];
  // Comments may quote commands (`docker run …`): not substitutions.
  const code = text
    .split("\n")
    .map((l) => (/^\s*#/.test(l) ? "" : l.replace(/(^|\s)#[^'"`]*$/, "")))
    .join("\n");
  for (const inner of substitutions(code)) {
    const p = parseShell(inner, 0, cwd);
    commands.push(...p.commands);
    errors.push(...p.errors);
  }
  return { commands, errors };
}

/**
 * RUN steps that run a script from the build context: the script's commands join the RUN's, after
 * the call (marked `script`), so the analysis and the transforms see its builds (`go build -o`).
 * Returns the scripts that could not be read, for the reason a file is left alone. Mutates `doc`
 * (it is this conversion's own parse).
 */
export function expandRunScripts(
  doc: Document,
  input: BuildContext | { unknown: string } | undefined,
): { expanded: number; unread: { line: number; script: string; why: string }[] } {
  const unread: { line: number; script: string; why: string }[] = [];
  let expanded = 0;
  for (const ins of doc.instructions) {
    if (ins.keyword !== "RUN" || ins.stage !== 0) continue;
    const out: ShellCommand[] = [];
    let changed = false;
    for (const cmd of ins.commands) {
      out.push(cmd);
      const path = scriptCalled(cmd);
      if (!path || cmd.script) continue;
      const read = readScript(doc, input, path, ins.index);
      if (!read) continue;
      if ("why" in read) {
        unread.push({ line: ins.line, script: read.file ?? path, why: read.why });
        continue;
      }
      const parsed = scriptCommands(read.text, cmd.cwd);
      if (parsed.errors.length) {
        unread.push({
          line: ins.line,
          script: read.file,
          why: `its shell does not parse: ${parsed.errors[0]}`,
        });
        continue;
      }
      for (const c of parsed.commands)
        out.push({ ...c, offset: cmd.offset, text: c.text, script: read.file });
      changed = true;
    }
    if (changed) {
      ins.commands = out;
      expanded++;
    }
  }
  return { expanded, unread };
}

/** Shell builtins and keywords: every shell has them. */
const BUILTINS = new Set([
  ":",
  "cd",
  "export",
  "set",
  "unset",
  "echo",
  "printf",
  "test",
  "[",
  "[[",
  "true",
  "false",
  "wait",
  "exit",
  "return",
  "shift",
  "local",
  "read",
  "trap",
  "ulimit",
  "umask",
  "command",
  "type",
  "readonly",
  "declare",
  "let",
  "pwd",
]);

/** Wrappers that run the program after their own words. */
function unwrap(cmd: ShellCommand): { name: string; args: string[] } | null {
  let words = [cmd.name, ...cmd.args];
  for (let guard = 0; guard < 5; guard++) {
    const w = words[0];
    if (w === "exec" || w === "nohup" || w === "command") words = words.slice(1);
    else if (w === "env") {
      words = words.slice(1);
      while (words[0]?.includes("=") || words[0]?.startsWith("-")) words = words.slice(1);
    } else if (w === "nice") {
      words = words.slice(1);
      if (words[0] === "-n") words = words.slice(2);
      else if (/^-\d+$/.test(words[0] ?? "")) words = words.slice(1);
    } else if (w === "timeout" || w === "taskset") {
      words = words.slice(1);
      while (words[0]?.startsWith("-")) words = words.slice(1);
      words = words.slice(1);
    } else break;
  }
  // `command -v x` looks a program up; it runs nothing.
  if (cmd.name === "command" && cmd.args[0]?.startsWith("-")) return null;
  if (!words[0]) return null;
  return { name: words[0], args: words.slice(1) };
}

/** What an entry script needs from the runtime stage, or why it cannot be told. */
export interface ScriptNeeds {
  /** Paths in the image the script runs (`required`: it fails without them) or names. */
  paths: { path: string; why: string; required: boolean }[];
  /** Programs it runs by name (looked up on PATH). */
  programs: string[];
  /** It runs the words it is given (`exec "$@"`). */
  runsArguments: boolean;
}

/**
 * Read an entry script: the programs it runs and the files its commands name. A script that
 * builds, sources other files, evaluates text or runs a program named by a variable is not
 * understood: `{ leave }` says why.
 */
export function entryScriptNeeds(
  text: string,
  file: string,
  cwd: string,
): ScriptNeeds | { leave: string } {
  const { commands, errors } = scriptCommands(text, cwd);
  if (errors.length) return { leave: `its shell does not parse (${errors[0]})` };
  const functions = new Set(
    [...text.matchAll(/^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)\s*\{?/gm)].map((m) => m[1]!),
  );
  const needs: ScriptNeeds = { paths: [], programs: [], runsArguments: false };
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(text);
  if (shebang) {
    const interp = shebang[1]!.endsWith("/env") ? shebang[2] : shebang[1];
    if (interp) {
      if (interp.startsWith("/"))
        needs.paths.push({ path: interp, why: "its #! line", required: true });
      else needs.programs.push(interp);
    }
  }
  for (const cmd of commands) {
    if (cmd.name === "." || cmd.name === "source")
      return { leave: `it sources ${cmd.args[0] ?? "a file"}, which is not read` };
    if (cmd.name === "eval") return { leave: "it runs text with eval" };
    const run = unwrap(cmd);
    if (!run) continue;
    const { name, args } = run;
    if (/^"?\$(@|\*|\{?[0-9]\}?)"?$/.test(name)) {
      needs.runsArguments = true;
      continue;
    }
    if (name.includes("$") || name.includes("`"))
      return { leave: `it runs a program named by a variable (${name})` };
    if (BUILTINS.has(name) || functions.has(name)) continue;
    const rule = findMatcher(commandData.rules, name, args);
    if (rule && (rule.role === "build" || rule.role === "dependency") && !rule.atRuntime)
      return { leave: `it builds at start (${[name, ...args].join(" ").slice(0, 60)})` };
    if (commandData.toolchainAtRuntime.some((m) => matchesCommand(m, name, args)))
      return {
        leave: `it runs the toolchain at start (${[name, ...args].join(" ").slice(0, 60)})`,
      };
    if (name.includes("/")) {
      const p = resolvePath(cmd.cwd, name);
      if (p !== resolvePath(cwd, file))
        needs.paths.push({ path: p, why: `run by ${file}`, required: true });
    } else if (!needs.programs.includes(name)) needs.programs.push(name);
    // Files its commands name by a path (`-c conf/app.toml`, `--config=/etc/x.conf`).
    for (const a of args) {
      const v = a.replace(/^-[-\w]*=/, "");
      if (!v.includes("/") || v.includes("$") || /^[a-z]+:\/\//.test(v) || v.startsWith("-"))
        continue;
      needs.paths.push({ path: resolvePath(cmd.cwd, v), why: `named by ${file}`, required: false });
    }
  }
  return needs;
}

/** Programs the runtime image of the builder's distro has without installing anything. */
export function baseToolsOf(distro: string | undefined): Set<string> {
  return new Set(distro ? (commandData.baseTools[distro] ?? []) : []);
}

/** Does a RUN the runtime stage replays (runtime-setup) install the package of `program`? */
export function installedForRuntime(ctx: TransformContext, program: string): boolean {
  const owners = packages.programPackages[program] ?? [program];
  return ctx.facts.lines.some(
    (l) =>
      l.role === "runtime-setup" &&
      l.packages.some((u) => u.names.some((n) => owners.some((o) => matchOwner(o, n)))),
  );
}

function matchOwner(owner: string, name: string): boolean {
  if (owner.startsWith("/") && owner.endsWith("/") && owner.length > 2)
    return new RegExp(owner.slice(1, -1)).test(name);
  return owner === name;
}

export { BuildContext };
