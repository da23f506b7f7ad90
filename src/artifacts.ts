// Shared helpers for transforms: what the image runs, and which build output that is.
import { posix } from "node:path";
import { commands as commandData, findMatcher, images, matchesCommand } from "./data.js";
import { expand, programOf } from "./analyse.js";
import { resolvePath } from "./parse/shell.js";
import {
  baseToolsOf,
  contextSourceOf,
  entryScriptNeeds,
  installedForRuntime,
  readScript,
} from "./scripts.js";
import { leave, type LeaveAlone, type TransformContext } from "./transform.js";
import type { ArtifactCopy, Document, Evidence, InstructionNode, ShellCommand } from "./types.js";

/** A path a build step writes: a file, or a directory whose contents are outputs. */
export interface Candidate {
  path: string;
  dir: boolean;
  /** A directory filled by a glob copy (`cp -r run/* /usr/local/bin/`): copied whole. */
  whole?: boolean;
  line: number;
  rule: string;
}

/** The words the container runs: ENTRYPOINT (exec) followed by CMD, or CMD alone. */
export function entryWords(ctx: TransformContext): string[] {
  const { entrypoint, cmd } = ctx.facts;
  if (entrypoint)
    return entrypoint.form === "exec"
      ? [...entrypoint.words, ...(cmd?.words ?? [])]
      : entrypoint.words;
  return cmd?.words ?? [];
}

/** The program the container starts, looking through `sh -c "…"` and `exec`. */
export function entryProgram(
  ctx: TransformContext,
): { program: string; args: string[]; scriptArg?: boolean; shell?: string } | null {
  return programOf(entryWords(ctx));
}

/** Does the container run the toolchain at start (`go run`, `cargo run`, `npm start`…)? */
export function toolchainAtRuntime(
  ctx: TransformContext,
): { command: string; why?: string } | null {
  const e = entryProgram(ctx);
  if (!e) return null;
  const hit = commandData.toolchainAtRuntime.find((m) => matchesCommand(m, e.program, e.args));
  if (!hit) return null;
  return { command: [e.program, ...e.args].join(" "), ...(hit.why ? { why: hit.why } : {}) };
}

/** Environment in the builder at an instruction: base image env plus ENV/ARG before it. */
export function envAt(ctx: TransformContext, index: number): Record<string, string> {
  const env: Record<string, string> = { ...(ctx.facts.baseInfo?.env ?? {}) };
  for (const [k, v] of Object.entries(ctx.doc.globalArgs)) if (v !== undefined) env[k] ??= v;
  for (const ins of ctx.doc.instructions) {
    if (ins.index >= index) break;
    if (ins.keyword === "ENV" || ins.keyword === "ARG") {
      for (const [k, v] of ins.properties)
        if (ins.keyword === "ENV" || v !== "") env[k] = expand(v, env);
    }
  }
  return env;
}

/** PATH directories of the builder at the end of the file. */
export function builderPath(ctx: TransformContext): string[] {
  const env = envAt(ctx, Number.MAX_SAFE_INTEGER);
  const base = ctx.facts.baseInfo?.path ?? images.standardPath;
  const declared = env["PATH"];
  if (!declared) return base;
  return expand(declared, { PATH: base.join(":") })
    .split(":")
    .filter(Boolean);
}

/** Every shell command of every RUN of the last document asked about. One entry, not a WeakMap
 *  keyed by document: V8's scavenger promotes young WeakMap entries, slowing every minor GC. */
let commandsOf: { doc: Document; all: { ins: InstructionNode; cmd: ShellCommand }[] } | undefined;

/** Every shell command of the file with its instruction; built once per document (every
 *  transform's detect asks for it). Callers only read it. */
export function allCommands(ctx: TransformContext): { ins: InstructionNode; cmd: ShellCommand }[] {
  if (commandsOf?.doc !== ctx.doc) {
    const all = ctx.doc.instructions.flatMap((ins) => ins.commands.map((cmd) => ({ ins, cmd })));
    commandsOf = { doc: ctx.doc, all };
  }
  return commandsOf.all;
}

/** Value of an option (`-o x`, `-o=x`, `--out x`) in a word list. */
export function option(args: string[], names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (a.startsWith(n + "=")) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

/** Candidates every transform shares: explicit outputs and copies of outputs, from the facts. */
export function genericCandidates(ctx: TransformContext): Candidate[] {
  return ctx.facts.lines.flatMap((l) =>
    l.produces.map((p) => ({
      path: p.endsWith("/*") ? p.slice(0, -1) : p,
      dir: p.endsWith("/") || p.endsWith("/*"),
      ...(p.endsWith("/*") ? { whole: true } : {}),
      line: l.line,
      rule: l.evidence[0]?.rule ?? "output",
    })),
  );
}

/**
 * The paths a COPY writes: its destination when a source is a folder or a glob (or the
 * destination is not a folder), else each source file by name inside the destination folder.
 */
export function copyTargets(c: { dest: string; sources: string[] }): string[] {
  const dirLike = c.sources.some((s) => /[*?]/.test(s) || s.endsWith("/") || s === ".");
  return dirLike || !c.dest.endsWith("/")
    ? [c.dest.replace(/(.)\/$/, "$1")]
    : c.sources.map((s) => posix.join(c.dest, posix.basename(s)));
}

/** Files copied into the image from the build context, by destination. */
export function contextCopies(
  ctx: TransformContext,
): { index: number; line: number; dest: string; sources: string[] }[] {
  const out: { index: number; line: number; dest: string; sources: string[] }[] = [];
  for (const ins of ctx.doc.instructions) {
    if ((ins.keyword !== "COPY" && ins.keyword !== "ADD") || ins.flags["from"]) continue;
    const words = ins.exec ?? ins.args.split(/\s+/).filter((w) => !w.startsWith("--"));
    if (words.length < 2) continue;
    const workdir = ctx.facts.lines[ins.index]?.workdir ?? "/";
    const dest = words[words.length - 1]!;
    out.push({
      index: ins.index,
      line: ins.line,
      dest:
        resolvePath(workdir, dest).replace(/\/$/, "") +
        (dest.endsWith("/") || dest === "." ? "/" : ""),
      sources: words.slice(0, -1),
    });
  }
  return out;
}

/** Is path `p` the directory `dir` itself or inside it (`/` covers everything)? */
/** Index of the last build or artifact step (-Infinity when there is none). */
export function lastBuildIndex(ctx: TransformContext): number {
  // reduce, not Math.max(...xs): a huge spread overflows the stack.
  return ctx.facts.lines.reduce(
    (m, l) => (l.role === "build" || l.role === "artifact" ? Math.max(m, l.index) : m),
    -Infinity,
  );
}

export function covers(dir: string, p: string): boolean {
  return dir === "/" || p === dir || p.startsWith(dir.replace(/\/$/, "") + "/");
}

function within(dir: string, p: string): boolean {
  const d = dir.endsWith("/") ? dir : dir + "/";
  return p.startsWith(d);
}

/** Directories on PATH in the runtime image (standard PATH plus the file's own PATH edits). */
function runtimePath(ctx: TransformContext): string[] {
  const declared = ctx.facts.env
    .filter(([k]) => k === "PATH")
    .map(([, v]) => v)
    .pop();
  if (!declared) return images.standardPath;
  return expand(declared, { PATH: images.standardPath.join(":") })
    .split(":")
    .filter(Boolean);
}

export interface ResolvedArtifacts {
  artifacts: ArtifactCopy[];
  evidence: Evidence[];
  /** The entry is a script: the runtime needs a shell. */
  script: boolean;
  /** A program unpacked from a downloaded archive is copied: it may link the C library. */
  prebuilt?: boolean;
}

/**
 * Decide what the runtime stage needs from the builder: the program the image runs (or, with no
 * command, the explicit outputs), found among what build steps produce. Never a guess: when the
 * program is not among the outputs, the file is left alone.
 */
export function resolveArtifacts(
  ctx: TransformContext,
  all: Candidate[],
): ResolvedArtifacts | LeaveAlone {
  const candidates = all.filter((c) => !removedLater(ctx, c));
  const evidence: Evidence[] = [];
  const artifacts: ArtifactCopy[] = [];
  const add = (a: ArtifactCopy) => {
    if (!artifacts.some((x) => x.from === a.from)) artifacts.push(a);
  };
  const workdir = ctx.facts.finalWorkdir;
  const entry = entryProgram(ctx);
  const files = candidates.filter((c) => !c.dir);
  if (!entry) {
    // No command: the image is a toolbox; keep every explicit output that is not moved on later.
    const sources = new Set(
      allCommands(ctx)
        .filter(({ cmd }) => cmd.name === "cp" || cmd.name === "mv" || cmd.name === "install")
        .map(({ cmd }) =>
          resolvePath(cmd.cwd, cmd.args.filter((a) => !a.startsWith("-"))[0] ?? ""),
        ),
    );
    for (const c of candidates) if (c.whole) add(wholeDir(c));
    for (const c of files) {
      if (sources.has(c.path) || c.path.includes("$")) continue;
      add(outputCopy(c));
    }
    if (artifacts.length === 0) {
      return {
        leave: {
          code: "artifact-unknown",
          message: "the image has no CMD or ENTRYPOINT and no build step names its output path",
        },
      };
    }
    return { artifacts, evidence, script: false };
  }
  // `bash run.sh`: the shell opens run.sh in the working directory first (then searches PATH).
  const inWorkdir = entry.scriptArg && !entry.program.includes("/") ? `./${entry.program}` : null;
  let found =
    (inWorkdir ? findProduced(ctx, inWorkdir, candidates, workdir) : null) ??
    findProduced(ctx, entry.program, candidates, workdir);
  let prebuilt = false;
  /** A download-and-install step into a shared folder may have put the program there. */
  let shared: { line: number; into: string } | undefined;
  if (!found) {
    // A program a download-and-install step put in a prefix of its own (`curl … | tar xz -C
    // /opt/tool`, `./install.sh --prefix=/opt/tool`): the prefix is copied whole.
    const installs = downloadInstalls(ctx);
    const got = findProduced(ctx, entry.program, installs.private, workdir);
    if (got) {
      found = { ...got, why: `${got.why}: a downloaded archive installed there` };
      prebuilt = true;
    } else {
      const hit = findProduced(ctx, entry.program, installs.shared, workdir);
      const into = installs.shared.find((c) => c.line === hit?.line)?.path;
      if (hit && into) shared = { line: hit.line, into };
    }
  }
  // A script from the context inside a folder a build fills (`make` in /src, `COPY run.sh /src/`)
  // is the script, not a build output: what it runs is looked at below.
  const inBuildFolder =
    found && candidates.some((c) => c.dir && !c.whole && within(c.path, found!.from));
  const known = ctx.buildContext && !("unknown" in ctx.buildContext) ? ctx.buildContext : null;
  if (
    found &&
    known &&
    inBuildFolder &&
    !candidates.some((c) => !c.dir && c.path === found!.from)
  ) {
    const src = contextSourceOf(ctx.doc, known, found.from, Number.MAX_SAFE_INTEGER);
    // Only a script whose text was read: a stale build output in the context is overwritten.
    if (src && known.hasFile(src.file) && known.read(src.file) !== undefined) found = null;
  }
  let script = false;
  if (found) {
    add(found);
    evidence.push({
      rule: "entry-artifact",
      match: entry.program,
      why: `the image runs ${found.from}, ${found.why}`,
    });
  } else {
    const copied =
      (inWorkdir ? fromContext(ctx, inWorkdir, workdir) : null) ??
      fromContext(ctx, entry.program, workdir);
    if (!copied && shared)
      return leave(
        "artifact-unknown",
        `the image runs \`${entry.program}\`, installed by line ${shared.line} from a downloaded archive into ${shared.into}, where what it needs cannot be told from the image's own files`,
        shared.line,
      );
    if (!copied) {
      return {
        leave: {
          code: "artifact-unknown",
          message: `the image runs \`${entry.program}\`, which no build step is seen to produce${unreadScripts(ctx)}`,
        },
      };
    }
    script = true;
    add({
      from: copied.path,
      to: copied.path,
      why: `entry script copied from the build context by line ${copied.line}`,
      rule: "entry-script",
      line: copied.line,
    });
    // With the build context known, the script is read: what it runs must be there at start.
    // A file the context does not hold was made by a step not seen; one it holds but whose text
    // was not read (not a .sh file, too large) is taken as before: every output carried with it.
    const mapped = known && contextSourceOf(ctx.doc, known, copied.path, Infinity, true);
    if (mapped && !known!.hasFile(mapped.file))
      return leave(
        "artifact-unknown",
        `the image runs \`${entry.program}\`, which no build step is seen to produce (the build context has no ${mapped.file})${unreadScripts(ctx)}`,
      );
    const read = known && readScript(ctx.doc, known, copied.path, Number.MAX_SAFE_INTEGER);
    if (read && !("why" in read)) {
      const problem = scriptArtifacts(ctx, read.text, read.file, entry, candidates, add);
      if (problem) return problem;
      evidence.push({
        rule: "entry-script-read",
        match: read.file,
        why: `the image runs ${read.file} (copied by line ${read.line}); what it runs is in the runtime stage`,
      });
    }
    // A script starts something we cannot see: carry every explicit output with it.
    for (const c of files) add(outputCopy(c));
    for (const c of candidates) if (c.whole) add(wholeDir(c));
    if (artifacts.length === 1) {
      return {
        leave: {
          code: "artifact-unknown",
          message: `the image runs the script \`${entry.program}\` and no build step names its output path`,
        },
      };
    }
  }
  // Absolute arguments that are build outputs too (`dlv exec /app`).
  for (const w of entry.args) {
    if (!w.startsWith("/")) continue;
    const hit = candidates.find((c) => (c.dir ? within(c.path, w) : c.path === w));
    if (hit)
      add({
        from: w,
        to: w,
        why: `argument of the command, output of line ${hit.line}`,
        rule: hit.rule,
        line: hit.line,
      });
  }
  return { artifacts, evidence, script, ...(prebuilt ? { prebuilt } : {}) };
}

/** Folders under which one install's files can be told apart: /opt/<x>, /usr/local/<x>. */
const SHARED_UNDER_LOCAL = new Set(["bin", "sbin", "lib", "lib64", "include", "share", "etc"]);
function privatePrefix(dir: string): boolean {
  const m = /^\/(opt|usr\/local)\/([^/]+)\/?$/.exec(dir);
  if (!m) return false;
  return (
    m[1] === "opt" || (!SHARED_UNDER_LOCAL.has(m[2]!) && !["src", "man", "games"].includes(m[2]!))
  );
}

/**
 * Download-and-install steps: an archive fetched (curl/wget, in the step or one before it) and
 * unpacked (`tar -x -C DIR`, `unzip -d DIR`, or into the step's folder), or an install script run
 * with `--prefix DIR`. A prefix of its own (`/opt/tool`, `/usr/local/tool`) is a candidate copied
 * whole; any other folder (`/usr/local`, `/`) is `shared`: what the install wrote there cannot be
 * told from the image's own files.
 */
export function downloadInstalls(ctx: TransformContext): {
  private: Candidate[];
  shared: Candidate[];
} {
  const out = { private: [] as Candidate[], shared: [] as Candidate[] };
  let downloaded = false;
  for (const ins of ctx.doc.instructions) {
    if (ins.keyword !== "RUN" || ins.stage !== 0) continue;
    const before = downloaded;
    if (ins.commands.some((c) => c.name === "curl" || c.name === "wget")) downloaded = true;
    if (!downloaded && !before) continue;
    for (const cmd of ins.commands) {
      let dir: string | undefined;
      if (cmd.name === "tar" && /^-?[a-zA-Z]*x/.test(cmd.args[0] ?? "")) {
        dir = option(cmd.args, ["-C", "--directory"]) ?? cmd.cwd;
      } else if (cmd.name === "unzip") {
        dir = option(cmd.args, ["-d"]) ?? cmd.cwd;
      } else if (/(^|\/)install(\.sh)?$/.test(cmd.name) && cmd.name !== "install") {
        dir = option(cmd.args, ["--prefix", "-prefix", "--install-dir"]);
      }
      if (!dir || dir.includes("$")) continue;
      const path = resolvePath(cmd.cwd, dir).replace(/\/?$/, "/");
      const c: Candidate = {
        path,
        dir: true,
        whole: true,
        line: ins.line,
        rule: "download-install",
      };
      (privatePrefix(path) ? out.private : out.shared).push(c);
    }
  }
  return out;
}

/** An output deleted again by a later `rm` (`rm -rf /go` after copying the binary out). */
function removedLater(ctx: TransformContext, c: Candidate): boolean {
  return allCommands(ctx).some(
    ({ ins, cmd }) =>
      cmd.name === "rm" &&
      ins.line >= c.line &&
      cmd.args
        .filter((a) => !a.startsWith("-"))
        .some((a) => {
          const p = resolvePath(cmd.cwd, a).replace(/\/\*?$/, "");
          return p !== "" && (c.path === p || c.path.startsWith(p + "/"));
        }),
  );
}

function findProduced(
  ctx: TransformContext,
  program: string,
  candidates: Candidate[],
  workdir: string,
): ArtifactCopy | null {
  const match = (p: string) => candidates.find((c) => (c.dir ? within(c.path, p) : c.path === p));
  if (program.includes("/")) {
    const p = resolvePath(workdir, program);
    const hit = match(p);
    if (hit?.whole) return wholeDir(hit);
    return hit
      ? { from: p, to: p, why: `output of line ${hit.line}`, rule: hit.rule, line: hit.line }
      : null;
  }
  const onRuntimePath = runtimePath(ctx);
  for (const dir of builderPath(ctx)) {
    const p = posix.join(dir, program);
    const hit = match(p);
    if (!hit) continue;
    if (hit.whole && onRuntimePath.includes(dir)) return wholeDir(hit);
    const to = onRuntimePath.includes(dir) ? p : posix.join("/usr/local/bin", program);
    const why =
      to === p
        ? `output of line ${hit.line}, found on PATH`
        : `output of line ${hit.line}; ${dir} is not on the runtime PATH, so it goes to /usr/local/bin`;
    return { from: p, to, why, rule: hit.rule, line: hit.line };
  }
  return null;
}

/** A build output copied to the same path in the runtime stage. */
function outputCopy(c: Candidate): ArtifactCopy {
  return { from: c.path, to: c.path, why: `output of line ${c.line}`, rule: c.rule, line: c.line };
}

/** The program sits among files copied in together (`cp -r run/* bin/`): keep them together. */
function wholeDir(hit: Candidate): ArtifactCopy {
  const dir = hit.path.replace(/\/$/, "");
  return {
    from: dir,
    to: dir,
    why: `filled by line ${hit.line} with the program and its files`,
    rule: hit.rule,
    line: hit.line,
  };
}

function fromContext(
  ctx: TransformContext,
  program: string,
  workdir: string,
): { path: string; line: number } | null {
  // A bare name is looked up on PATH, a path against the working directory.
  const paths = program.includes("/")
    ? [resolvePath(workdir, program)]
    : builderPath(ctx).map((d) => posix.join(d, program));
  const copies = contextCopies(ctx);
  for (const p of paths) {
    for (const c of copies) {
      const named = c.sources.some((s) => posix.basename(s) === posix.basename(p));
      // `ADD ./ /app` (no slash): the destination is a folder all the same
      const folder = c.dest.endsWith("/") || c.sources.some((s) => /^\.?\/?$|\/$/.test(s));
      const inside = folder && within(c.dest, p) && (named || program.includes("/"));
      if (c.dest === p || inside) return { path: p, line: c.line };
    }
  }
  return null;
}

/**
 * Score a file for one ecosystem: each build/dependency rule of that ecosystem adds its score, a
 * toolchain base image of the ecosystem adds 2, and so do the ecosystem's toolchain packages.
 */
export function scoreEcosystem(
  ctx: TransformContext,
  ecosystem: string,
  packages: string[],
): { score: number; evidence: Evidence[] } {
  let score = 0;
  const evidence: Evidence[] = [];
  for (const { cmd } of allCommands(ctx)) {
    const rule = findMatcher(
      commandData.rules,
      cmd.name,
      cmd.args,
      (r) => r.ecosystem === ecosystem,
    );
    if (rule && !rule.atRuntime) {
      score += rule.score;
      evidence.push({
        rule: rule.id,
        match: cmd.text.slice(0, 100),
        why: `${ecosystem} ${rule.role} step`,
      });
    }
  }
  if (ctx.facts.baseInfo && familyEcosystem(ctx) === ecosystem) {
    score += 2;
    evidence.push({
      rule: "toolchain-base-image",
      match: ctx.facts.base?.ref ?? "",
      why: `${ecosystem} toolchain image`,
    });
  }
  const pk = ctx.facts.toolchainPackages.filter((p) => packages.includes(p));
  if (pk.length) {
    score += 2;
    evidence.push({
      rule: "build-packages",
      match: pk.join(" "),
      why: `${ecosystem} toolchain packages`,
    });
  }
  return { score, evidence };
}

function familyEcosystem(ctx: TransformContext): string | undefined {
  const fam = ctx.facts.baseInfo?.family;
  return fam ? images.families.find((f) => f.family === fam)?.ecosystem : undefined;
}

/** Runtime class for a native binary from the builder's libc. */
export function nativeClass(ctx: TransformContext): { runtimeClass: string; runtimeWhy: string } {
  const info = ctx.facts.baseInfo;
  if (info?.libc === "musl")
    return {
      runtimeClass: "musl",
      runtimeWhy: "built against musl on Alpine: the same Alpine release runs it",
    };
  return {
    runtimeClass: "glibc",
    runtimeWhy:
      "a native binary linked against glibc needs the same or a newer glibc: a slim image of the same distribution",
  };
}

/**
 * Add the files build steps up to `lastBuild` place outside the copied folders (`cp docker/entry.sh
 * /usr/local/bin/`) to `artifacts`; a placed path that is not known statically leaves the file.
 */
export function addPlacedOutputs(
  ctx: TransformContext,
  lastBuild: number,
  artifacts: ArtifactCopy[],
): LeaveAlone | null {
  for (const l of ctx.facts.lines) {
    if (l.index > lastBuild || l.role !== "artifact") continue;
    for (const out of l.produces) {
      const path = out.replace(/\/\*$/, "");
      if (path.includes("$"))
        return {
          leave: {
            code: "artifact-unknown",
            message: `line ${l.line} places ${out}, a path not known statically`,
            line: l.line,
          },
        };
      if (artifacts.some((a) => covers(a.from, path))) continue;
      artifacts.push({
        from: path,
        to: path,
        why: `placed by line ${l.line}`,
        rule: l.evidence[0]?.rule ?? "copy-output",
        line: l.line,
      });
    }
  }
  return null;
}

/** `: line 4 runs build.sh, whose text is not known (…)` for scripts RUN steps ran unread. */
export function unreadScripts(ctx: TransformContext): string {
  const u = ctx.unreadScripts ?? [];
  if (u.length === 0) return "";
  return `; ${u.map((x) => `line ${x.line} runs ${x.script}, whose text is not known (${x.why})`).join("; ")}`;
}

const SYSTEM_BIN = new Set(["/bin", "/usr/bin", "/sbin", "/usr/sbin"]);
/** Arguments a script given `exec "$@"` may run that every shell has. */
const BUILTIN_WORDS = new Set(["echo", "printf", "true", "false", "test", "[", ":", "exit"]);

/**
 * What an entry script runs, from its text: programs built by the builder are copied, the files
 * its commands name that a build or a COPY put in the builder too; programs it runs by name must
 * be in the runtime image of the builder's distro (data/commands.yaml baseTools) or installed by
 * a step the runtime stage replays. Anything else (only the builder has it, or it is not known
 * where it comes from) leaves the file alone, saying which program.
 */
function scriptArtifacts(
  ctx: TransformContext,
  text: string,
  file: string,
  entry: { args: string[]; shell?: string },
  candidates: Candidate[],
  add: (a: ArtifactCopy) => void,
): LeaveAlone | null {
  const shell = entry.shell;
  const workdir = ctx.facts.finalWorkdir;
  const needs = entryScriptNeeds(text, file, workdir);
  const what = `the image runs the script ${file}`;
  if ("leave" in needs) return leave("artifact-unknown", `${what}: ${needs.leave}`);
  const tools = baseToolsOf(ctx.facts.baseInfo?.distro);
  const builderHas = new Set([
    ...(images.families.find((f) => f.family === ctx.facts.baseInfo?.family)?.programs ?? []),
    ...ctx.facts.toolchainPackages,
  ]);
  const lastBuild = lastBuildIndex(ctx);
  const match = (p: string) => candidates.find((c) => (c.dir ? within(c.path, p) : c.path === p));
  const programs = [...needs.programs];
  if (shell) programs.push(posix.basename(shell));
  // `exec "$@"`: the words after the script (CMD) are a command too.
  const first = entry.args[0];
  if (needs.runsArguments && first && !first.startsWith("-") && !first.includes("$")) {
    if (first.includes("/"))
      needs.paths.push({
        path: resolvePath(workdir, first),
        why: `run by ${file} as its arguments`,
        required: true,
      });
    else if (!programs.includes(first) && !BUILTIN_WORDS.has(first)) programs.push(first);
  }
  for (const name of programs) {
    const built = findProduced(ctx, name, candidates, workdir);
    if (built) {
      add({ ...built, why: `run by ${file}: ${built.why}` });
      continue;
    }
    if (tools.has(name) || installedForRuntime(ctx, name)) continue;
    if (builderHas.has(name))
      return leave(
        "artifact-unknown",
        `${what}, which runs ${name}: only the builder has it (the toolchain image or a build-only package)`,
      );
    return leave(
      "artifact-unknown",
      `${what}, which runs ${name}: no build step produces it and the runtime image of ${ctx.facts.baseInfo?.distro ?? "an unknown distribution"} is not known to have it`,
    );
  }
  for (const need of needs.paths) {
    if (SYSTEM_BIN.has(posix.dirname(need.path)) && tools.has(posix.basename(need.path))) continue;
    const hit = match(need.path);
    if (hit) {
      const from = hit.whole ? hit.path.replace(/\/$/, "") : need.path;
      add({
        from,
        to: from,
        why: `${need.why}, output of line ${hit.line}`,
        rule: hit.rule,
        line: hit.line,
      });
      continue;
    }
    const known = ctx.buildContext && !("unknown" in ctx.buildContext) ? ctx.buildContext : null;
    const copy = contextSourceOf(ctx.doc, known, need.path, Number.MAX_SAFE_INTEGER, true);
    if (copy && known && !known.has(copy.file)) {
      if (need.required)
        return leave(
          "artifact-unknown",
          `${what}, which runs ${need.path}: no build step is seen to produce it and the build context has no ${copy.file}`,
        );
      continue;
    }
    if (copy) {
      // A COPY after the last build stays in the runtime stage: the file is there already.
      if (ctx.doc.instructions.some((i) => i.line === copy.line && i.index > lastBuild)) continue;
      add({
        from: need.path,
        to: need.path,
        why: `${need.why}, copied from the build context by line ${copy.line}`,
        rule: "entry-script-file",
        line: copy.line,
      });
      continue;
    }
    if (need.required)
      return leave(
        "artifact-unknown",
        `${what}, which runs ${need.path}: no build step produces it and no COPY puts it there`,
      );
  }
  return null;
}
