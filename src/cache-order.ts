// Builder stages that cache: when a dependency step (npm ci, go mod download, pip install -r…)
// follows a COPY of the whole context, copy the ecosystem's manifest and lock files first, run the
// step, then copy the rest. Editing a source file then leaves the dependency layer CACHED.
// Knowledge is data (data/manifests.yaml); the build context comes in as an option (pure).
// Whenever the step may read more than the manifests, the order is kept and the reason given.
import { posix } from "node:path";
import { BuildContext, normalise } from "./build-context.js";
import { manifests, matchesCommand, type ManifestEcosystem } from "./data.js";
import { resolvePath } from "./parse/shell.js";
import type { TransformContext } from "./transform.js";
import type {
  CacheOrder,
  CacheStep,
  ConvertOptions,
  InstructionNode,
  ShellCommand,
} from "./types.js";

/** Instructions that may stand between the whole COPY and the step: they read no file. */
const INERT = new Set(["ENV", "ARG", "LABEL", "EXPOSE", "MAINTAINER"]);
/** Maven lifecycle phases a build may name; the build must reach package, install or verify. */
const MAVEN_PHASES = new Set([
  "clean",
  "validate",
  "compile",
  "test",
  "package",
  "verify",
  "install",
]);
const MAVEN_QUIET_OPTIONS = /^-D(skipTests|maven\.test\.skip)(=(true)?)?$/;
/** Gradle tasks that build and package the project (a build that resolves its dependencies). */
const GRADLE_TASKS = new Set([
  "clean",
  "build",
  "assemble",
  "jar",
  "bootJar",
  "shadowJar",
  "war",
  "bootWar",
  "installDist",
  "distTar",
  "distZip",
]);
/** npm lifecycle scripts that run during an install and may read any file. */
const NPM_INSTALL_SCRIPTS = [
  "preinstall",
  "install",
  "postinstall",
  "prepare",
  "preprepare",
  "postprepare",
  "prepublish",
];
/** Composer scripts that an install or an autoloader dump runs. */
const COMPOSER_HOOKS = [
  "pre-install-cmd",
  "post-install-cmd",
  "pre-update-cmd",
  "post-update-cmd",
  "pre-autoload-dump",
  "post-autoload-dump",
  "pre-package-install",
  "post-package-install",
  "post-root-package-install",
];

interface DepCommand {
  eco: ManifestEcosystem;
  cmd: ShellCommand;
  /** The command's words as the ecosystem reads them (`python -m pip install` → pip install). */
  args: string[];
}

type Judged = { step: CacheStep } | { kept: string } | null;

/** The dependency command a shell command is, by data/manifests.yaml; null when none. */
function depCommand(cmd: ShellCommand): DepCommand | null {
  let program = cmd.name;
  let args = cmd.args;
  const base = program.replace(/^.*\//, "");
  if (/^python[\d.]*$/.test(base) && args[0] === "-m" && args[1] === "pip") {
    program = "pip";
    args = args.slice(2);
  }
  for (const eco of manifests.ecosystems)
    for (const m of eco.commands) {
      if (!matchesCommand(m, program, args)) continue;
      // Non-flag words, the values of options that take one (`--jobs 4`) left out.
      const positional = args.filter(
        (w, i) => !w.startsWith("-") && !(i > 0 && eco.values.includes(args[i - 1]!)),
      );
      if (!m.operands && !m.from && positional.length > (m.sub?.length ?? 0)) continue;
      if (!relevant(eco, args)) continue;
      return { eco, cmd, args };
    }
  return null;
}

/**
 * Commands that read manifests at all: pip with requirement files (`pip install flask` reads
 * none), Maven builds by lifecycle phases up to package (`mvn dependency:tree` is no build).
 */
function relevant(eco: ManifestEcosystem, args: string[]): boolean {
  if (eco.check === "pip") return args.some((a) => /^(-r|--requirement|-c|--constraint)/.test(a));
  if (eco.check === "go-build")
    return !args.some((a) => a.includes("@") || /^-mod=(vendor|mod)$/.test(a));
  if (eco.check === "maven") {
    const positional = args.filter((a) => !a.startsWith("-"));
    return (
      positional.length > 0 &&
      positional.every((w) => MAVEN_PHASES.has(w)) &&
      positional.some((w) => ["package", "install", "verify"].includes(w))
    );
  }
  if (eco.check === "gradle") {
    const tasks = args.filter((a, i) => !a.startsWith("-") && !eco.values.includes(args[i - 1]!));
    return (
      tasks.length > 0 &&
      tasks.every((t) => GRADLE_TASKS.has(t)) &&
      !tasks.every((t) => t === "clean")
    );
  }
  return true;
}

function harmless(cmd: ShellCommand): boolean {
  if (Object.keys(cmd.assignments).length > 0 && !cmd.name) return false;
  return manifests.harmless.some((m) => matchesCommand(m, cmd.name, cmd.args));
}

/** The words of a COPY/ADD without flags. */
function copyWords(ins: InstructionNode): string[] {
  return ins.exec ?? ins.args.split(/\s+/).filter((w) => w && !w.startsWith("--"));
}

/** Is `dir` the folder `p` or a parent of it? */
function coversDir(dir: string, p: string): boolean {
  const d = dir.replace(/\/$/, "") || "/";
  return d === "/" || p === d || p.startsWith(d + "/");
}

/**
 * Plan the reordering. `lastBuild` bounds the steps considered (only the builder's). Returns
 * undefined when the file has no dependency step after a whole COPY.
 */
export function planCacheOrder(
  ctx: TransformContext,
  options: ConvertOptions,
  lastBuild: number,
): CacheOrder | undefined {
  const { doc } = ctx;
  // The conversion's own BuildContext (src/convert.ts): made once per file, not per use.
  const input = ctx.buildContext;
  const context = input && !("unknown" in input) ? input : null;
  const unknownWhy = !input
    ? "the build context is not known (standard input, or no context given)"
    : "unknown" in input
      ? `the build context is not known (${input.unknown})`
      : "";
  const order: CacheOrder = { steps: [], kept: [], mounts: [] };
  const usedCopies = new Set<number>();
  for (const run of doc.instructions) {
    if (run.keyword !== "RUN" || run.index > lastBuild || run.stage !== 0) continue;
    // A script's commands (src/scripts.ts) have no place of their own in the RUN to split at.
    const deps = run.commands.filter((c) => !c.script).map(depCommand);
    const first = deps.findIndex((d) => d !== null);
    if (first === -1) continue;
    const dep = deps[first]!;
    // The whole COPY the step follows: the latest COPY of a folder whose destination holds the
    // folder the step runs in.
    const whole = wholeCopyBefore(ctx, run, dep.cmd.cwd);
    if (!whole) continue;
    const judged = judge(ctx, context, unknownWhy, whole, run, deps, first, usedCopies);
    if (!judged) continue;
    if ("kept" in judged) {
      order.kept.push({ line: run.line, why: judged.kept, code: keptCode(judged.kept) });
      continue;
    }
    usedCopies.add(whole.index);
    const mounts = ctx.config.policy?.cacheMounts ? dep.eco.cache : [];
    if (mounts.length && judged.step.moves) {
      const flags = mounts.map((t) => `--mount=type=cache,target=${t}`).join(" ");
      const depLine = judged.step.split?.dep ?? run.raw;
      const withMount = depLine.replace(/^(\s*\S+)(\s+)/, `$1$2${flags} `);
      judged.step.split = { dep: withMount, rest: judged.step.split?.rest ?? null };
      order.mounts.push({ run: run.index, flags });
    }
    order.steps.push(judged.step);
  }
  return order.steps.length || order.kept.length ? order : undefined;
}

/** Flags of the whole COPY the manifests' COPY repeats. */
const COPY_FLAGS = ["chown", "chmod", "link"];
/** Folders package installs write to: a copy of the sources there is not moved past them. */
const SYSTEM_DIRS = ["/usr", "/etc", "/var", "/lib", "/bin", "/sbin", "/opt", "/root", "/tmp"];
/** Programs of a RUN between the copy and the step that read no source file. */
const CONTEXT_FREE = new Set([
  "apt-get",
  "apt",
  "apk",
  "yum",
  "dnf",
  "microdnf",
  "corepack",
  "docker-php-ext-install",
  "docker-php-ext-enable",
  "docker-php-ext-configure",
  "pecl",
]);

/**
 * Why an instruction between the whole COPY and the dependency step stops the move; null when the
 * copy can move past it: metadata, a WORKDIR when the copy names an absolute destination, a COPY
 * from another image or stage elsewhere, package installs (and pip installs of named packages).
 */
function betweenProblem(ins: InstructionNode, dest: string, absolute: boolean): string | null {
  if (INERT.has(ins.keyword)) return null;
  if (ins.keyword === "WORKDIR")
    return absolute ? null : "the copy's destination is relative to the working directory";
  if (ins.keyword === "COPY" && ins.flags["from"]) {
    const to = copyWords(ins).at(-1) ?? "";
    if (to.startsWith("/") && !coversDir(dest, to) && !coversDir(to, dest)) return null;
    return "it copies into the same folder";
  }
  if (ins.keyword !== "RUN") return "it may read or change the copied files";
  if (ins.exec || ins.shellErrors.length || /[<>`]|\$\(/.test(ins.args))
    return "it may read or change the copied files";
  if (dest === "/" || SYSTEM_DIRS.some((d) => coversDir(dest, d) || coversDir(d, dest)))
    return "the sources land where package installs write";
  for (const c of ins.commands) {
    const name = c.name.replace(/^.*\//, "");
    if (CONTEXT_FREE.has(name)) continue;
    if (name === "set" || name === "true") continue;
    const pip = /^pip[\d.]*$/.test(name) && c.args[0] !== undefined;
    if (pip && namedPackagesOnly(c.args)) continue;
    return `it runs ${c.name}, which may read the sources`;
  }
  return null;
}

/** `pip install -U pip wheel`: packages by name only (no requirement files, paths, editables). */
function namedPackagesOnly(args: string[]): boolean {
  const at = args.findIndex((w) => !w.startsWith("-"));
  if (at === -1 || args[at] !== "install") return false;
  return args
    .slice(at + 1)
    .every((a) =>
      a.startsWith("-")
        ? !/^(-r|--requirement|-c|--constraint|-e|--editable|-f|--find-links)/.test(a)
        : /^[A-Za-z0-9][\w.-]*([<>=!~]=?[\w.*]+)?$/.test(a),
    );
}

/** Kinds of reasons the order stays, for counts (eval) and searches; the sentence says the rest. */
const KEPT_CODES: [string, RegExp][] = [
  ["context-unknown", /build context is not known/],
  ["outputs-in-context", /the context holds/],
  ["not-known-file", /the context has /],
  [
    "manifest-missing",
    /not in the build context|^no .* in .* of the build context| project files in |has no package\.json in the build context|has no \[package\]/,
  ],
  ["manifest-unread", /was not read|not valid JSON|not a JSON object/],
  ["install-script", /script (runs|would run)/],
  [
    "reads-sources",
    /path of the sources|local folder|from the sources|files of the sources|path repository|finds packages in a folder|reads other files|references other projects|has modules|parent is a pom|workspaces|not among the copied|--no-root|another Gemfile|declares programs|declares a workspace|belongs to a workspace|declares targets|build script|includes other projects|includes a project outside|depends on project/,
  ],
  ["options", /option/],
  ["lines-between", /comes between|earlier dependency step/],
];

function keptCode(why: string): string {
  const text = why.replace(/^.*? keeps its place after line \d+'s copy of the sources: /, "");
  return KEPT_CODES.find(([, re]) => re.test(text))?.[0] ?? "shape";
}

/** The latest COPY/ADD from the context before `run` that copies a folder holding `cwd`. */
function wholeCopyBefore(
  ctx: TransformContext,
  run: InstructionNode,
  cwd: string,
): { ins: InstructionNode; source: string; dest: string; index: number } | null {
  for (let i = run.index - 1; i > 0; i--) {
    const ins = ctx.doc.instructions[i]!;
    if ((ins.keyword !== "COPY" && ins.keyword !== "ADD") || ins.flags["from"]) continue;
    const words = copyWords(ins);
    if (words.length !== 2) continue;
    const source = words[0]!;
    // A folder: the context's root, or a name ending in `/` (a file list never holds manifests
    // the step reads without the rest of the folder, so it needs no reordering).
    const folder =
      (source === "." || source === "./" || source.endsWith("/")) &&
      !/^[a-z][\w+.-]*:\/\/|^git@/i.test(source); // not a URL (ADD downloads those)
    if (!folder) continue;
    const workdir = ctx.facts.lines[i]?.workdir ?? "/";
    const dest = resolvePath(workdir, words[1]!);
    if (coversDir(dest, cwd)) return { ins, source, dest, index: i };
  }
  return null;
}

function judge(
  ctx: TransformContext,
  context: BuildContext | null,
  unknownWhy: string,
  whole: { ins: InstructionNode; source: string; dest: string; index: number },
  run: InstructionNode,
  deps: (DepCommand | null)[],
  first: number,
  usedCopies: Set<number>,
): Judged {
  const dep = deps[first]!;
  const what = `\`${dep.cmd.text.replace(/\s+/g, " ").slice(0, 60)}\``;
  const kept = (why: string): Judged => ({
    kept: `${what} keeps its place after line ${whole.ins.line}'s copy of the sources: ${why}`,
  });
  const isAdd = dep.eco.add !== undefined;
  if (isAdd && dep.eco.unlessBefore.length) {
    const earlier = ctx.doc.instructions.some(
      (i) =>
        i.keyword === "RUN" &&
        i.index < run.index &&
        i.commands.some((c) => dep.eco.unlessBefore.includes(depCommand(c)?.eco.id ?? "")),
    );
    if (earlier) return null;
  }
  if (isAdd) {
    // Modules vendored (GOFLAGS=-mod=vendor): nothing is downloaded.
    const goflags = [
      dep.cmd.assignments["GOFLAGS"] ?? "",
      ...ctx.facts.env.filter(([k]) => k === "GOFLAGS").map(([, v]) => v),
    ];
    if (goflags.some((v) => /-mod=vendor/.test(v))) return null;
  }
  if (usedCopies.has(whole.index))
    return kept(`an earlier dependency step already comes before that copy`);
  // A build that fetches (go build, mvn package) has nothing moved, only a line added: without
  // the context there is no telling whether it would fetch anything, so nothing is said.
  if (!context) return isAdd ? null : kept(unknownWhy);
  const W = whole.ins;
  // The whole COPY: plain words, flags that the manifest COPY can repeat.
  if (W.exec) return kept(`line ${W.line} is in JSON form`);
  if (/[$*?[\]"'\\]/.test(copyWords(W).join(" ")))
    return kept(`line ${W.line} uses variables, wildcards or quoting`);
  const flags = Object.keys(W.flags);
  const odd = flags.filter((f) => !COPY_FLAGS.includes(f));
  if (odd.length) return kept(`line ${W.line} has --${odd.join(", --")}`);
  if (W.raw.includes("\n")) return kept(`line ${W.line} continues over several lines`);
  // Only lines that read no file of the sources (nor write where they land) between the copy and
  // the step: the copy moves past them.
  const destWord = copyWords(W)[1]!;
  const dest = whole.dest.replace(/\/$/, "") || "/";
  for (let i = W.index + 1; i < run.index; i++) {
    const between = ctx.doc.instructions[i]!;
    // An added command runs before the copy: settings between it and the build must not matter.
    const why =
      isAdd && (between.keyword === "ENV" || between.keyword === "ARG")
        ? "the command added before the copy would run without its setting"
        : isAdd && between.keyword === "WORKDIR"
          ? "the command added before the copy would run in another folder"
          : betweenProblem(between, dest, destWord.startsWith("/"));
    if (why)
      return kept(
        `line ${between.line} (${between.keyword}) comes between the copy and the dependency step: ${why}`,
      );
  }
  if (run.exec === null && /<</.test(run.raw)) return kept(`line ${run.line} has a heredoc`);
  if (isAdd && Object.keys(run.flags).length)
    return kept(
      `line ${run.line} has --${Object.keys(run.flags).join(", --")}, which the command added before the copy would not have`,
    );
  const cwd = dep.cmd.cwd;
  const workdir = ctx.facts.lines[run.index]?.workdir ?? "/";
  if (cwd !== workdir) return kept(`the step runs after a \`cd\` in line ${run.line}`);
  // A build's options that the added command neither repeats nor may leave out (`-x test`) may
  // change what the dependencies are.
  if (isAdd && dep.eco.check !== "maven" && dep.eco.check !== "go-build") {
    const known = [...dep.eco.add!.keep, ...dep.eco.add!.ignore];
    const odd = dep.args.find(
      (a, i) =>
        a.startsWith("-") &&
        !known.includes(a.split("=")[0]!) &&
        !(i > 0 && dep.eco.values.includes(dep.args[i - 1]!)),
    );
    if (odd) return kept(`the build's option ${odd} may change what the dependencies are`);
    const own = Object.keys(dep.cmd.assignments);
    if (own.length)
      return kept(
        `the build sets ${own.join(", ")} for itself, an option the added command would build the dependencies without`,
      );
  }
  // The folder of the context the step runs in.
  const rel = posix.relative(whole.dest.replace(/\/$/, "") || "/", cwd);
  if (rel.startsWith("..")) return null;
  const ctxDir = normalise(posix.join(whole.source, rel));
  const at = (name: string) => normalise(posix.join(ctxDir, name));
  const shown = (p: string) => (p === "" ? "the context's root" : p);

  // What else shares the RUN: harmless commands alone, or a simple && chain to split.
  // (A build that fetches, such as `go build` after `go mod download`, is no second step.)
  const others = deps.filter((d, i) => d !== null && i !== first && !d.eco.add);
  if (others.length) return kept(`line ${run.line} runs more than one dependency step`);
  const cmds = run.commands;
  let depEnd = first; // last command of the dependency part
  while (depEnd + 1 < cmds.length && harmless(cmds[depEnd + 1]!)) depEnd++;
  const leading = cmds.slice(0, first);
  if (leading.some((c) => !harmless(c)))
    return kept(
      `line ${run.line} runs \`${leading.find((c) => !harmless(c))!.name}\` before it in the same RUN`,
    );
  let split: CacheStep["split"] = null;
  const isBuild = isAdd;
  if (depEnd + 1 < cmds.length && !isBuild) {
    if (run.exec) return kept(`line ${run.line} is in JSON form`);
    const chain = andChain(run, cmds, ctx.doc.escape);
    if (!chain) return kept(`line ${run.line} is not a plain \`&&\` chain, so it cannot be split`);
    // The rest starts its own RUN from the same WORKDIR: a `cd` or `export` in it stays in it.
    const depText = run.raw.slice(0, chain.ends[depEnd]!).trimEnd();
    const restText = run.raw.slice(0, chain.prefix) + run.raw.slice(chain.starts[depEnd + 1]!);
    split = { dep: depText, rest: restText };
  }
  if (/\$\(|`/.test(dep.cmd.text)) return kept(`its words run a command substitution`);

  // The manifests.
  const files: string[] = [];
  for (const name of dep.eco.required) {
    if (name.includes("*") || name.includes("|")) {
      const found = name.split("|").flatMap((p) => context.filesIn(ctxDir, p));
      if (found.length !== 1)
        return kept(
          found.length === 0
            ? `no ${name} in ${shown(ctxDir)} of the build context`
            : `${found.length} project files in ${shown(ctxDir)} (${found.join(", ")})`,
        );
      files.push(found[0]!);
    } else if (!context.hasFile(at(name))) {
      // A build without the manifest (a Go build outside modules) has nothing to fetch first.
      if (isAdd) return null;
      return kept(
        `${at(name)} is not in the build context${context.dockerignore ? " (or .dockerignore excludes it)" : ""}`,
      );
    } else files.push(at(name));
  }
  for (const name of dep.eco.optional) if (context.hasFile(at(name))) files.push(at(name));
  for (const name of dep.eco.notKnown) {
    const found = name.includes("*") ? context.filesIn(ctxDir, name) : [at(name)];
    const there = found.find((p) => context.has(p));
    if (there)
      return kept(`the context has ${there}, which the step may read and is not known here`);
  }
  for (const out of dep.eco.outputs)
    if (context.hasFolder(at(out)))
      return kept(
        `the context holds ${at(out)}/ (not excluded by .dockerignore): copying the sources after the step would overwrite what it made`,
      );
  const content = checkContent(dep, context, ctxDir, cwd, whole, files);
  if (typeof content === "string") return kept(content);
  if (content === null) return null;
  if (files.some((f) => /[\s"'$\\]/.test(f))) return kept(`a manifest name needs quoting`);

  // The lines.
  const chown = W.flags["chown"] !== undefined ? ` --chown=${W.flags["chown"]}` : "";
  const chmod = W.flags["chmod"] !== undefined ? ` --chmod=${W.flags["chmod"]}` : "";
  const link =
    W.flags["link"] !== undefined
      ? W.flags["link"]
        ? ` --link=${W.flags["link"]}`
        : " --link"
      : "";
  const copyWorkdir = ctx.facts.lines[W.index]?.workdir ?? "/";
  const groups = new Map<string, string[]>();
  for (const f of files) {
    // Where the file lands in the image: its place under the whole COPY's destination.
    const inCtx = posix.relative(normalise(whole.source), f);
    const image = resolvePath(whole.dest.replace(/\/$/, "") || "/", inCtx);
    const dir = posix.dirname(image);
    const dest = dir === copyWorkdir ? "./" : dir === "/" ? "/" : `${dir}/`;
    groups.set(dest, [...(groups.get(dest) ?? []), f]);
  }
  const added = [...groups].map(
    ([dest, fs]) => `COPY${chown}${chmod}${link} ${fs.join(" ")} ${dest}`,
  );
  const manifestsShown = files.join(", ");
  // What the step is, however it is planned below.
  const planned = { ecosystem: dep.eco.id, copy: W.index, run: run.index, manifests: files, added };
  if (isBuild) {
    const add = dep.eco.add!;
    const keep = keptOptions(dep.args, add.keep, dep.eco.values);
    const [program, ...rest] = add.command.split(" ");
    // Maven's options go before the goal (as written in the build); others' after the command.
    let line =
      dep.cmd.name === "mvn"
        ? `RUN ${[program, ...keep, ...rest].join(" ")}`
        : `RUN ${[dep.cmd.name, ...rest, ...keep].join(" ")}`;
    // Gradle reports the dependencies of the project it is asked about only: each subproject's
    // report is asked for too (`:api:dependencies`).
    if (dep.eco.check === "gradle") {
      const subprojects = files
        .filter((f) => /\/build\.gradle(\.kts)?$/.test(f))
        .map((f) => posix.relative(ctxDir, posix.dirname(f)))
        .filter((d) => d !== "" && !d.startsWith(".."));
      const task = rest.join(" ");
      if (subprojects.length)
        line = `RUN ${[dep.cmd.name, ...rest, ...subprojects.map((d) => `:${d.replace(/\//g, ":")}:${task}`), ...keep].join(" ")}`;
    }
    // Cargo: the dependencies are built against placeholder sources, removed afterwards; the real
    // build touches the real ones, as COPY keeps their mtimes, which may be older than the
    // placeholders' build (cargo would then take the placeholder crate as up to date).
    const placeholders = Object.keys(add.placeholders).filter((p) => context.hasFile(at(p)));
    if (Object.keys(add.placeholders).length) {
      if (!placeholders.length)
        return kept(
          `no ${Object.keys(add.placeholders).join(" or ")} in ${shown(ctxDir)} of the build context`,
        );
      if (run.exec) return kept(`line ${run.line} is in JSON form`);
      const dirs = [...new Set(placeholders.map((p) => posix.dirname(p)))];
      const writes = placeholders.map((p) =>
        add.placeholders[p] ? `echo '${add.placeholders[p]}' > ${p}` : `touch ${p}`,
      );
      line = `RUN ${[`mkdir -p ${dirs.join(" ")}`, ...writes, line.slice(4), `rm -rf ${dirs.join(" ")}`].join(" && ")}`;
      const offset = dep.cmd.offset - run.start;
      split = {
        dep: `${run.raw.slice(0, offset)}touch ${placeholders.join(" ")} && ${run.raw.slice(offset)}`,
        rest: null,
      };
    }
    return {
      step: {
        ...planned,
        split,
        addedRun: line,
        after: null,
        moves: false,
        why: placeholders.length
          ? `line ${run.line}'s build compiles its dependencies after line ${W.line} copies all the sources, so any edit compiles them again: ${manifestsShown} ${files.length > 1 ? "are" : "is"} copied first and \`${line.slice(4)}\` compiles the dependencies against placeholder sources (${placeholders.join(", ")}) in a layer of their own, reused until ${files.length > 1 ? "they change" : "it changes"}; the build then touches the real ${placeholders.join(", ")}, since COPY keeps their mtimes, which may be older than the placeholder build`
          : `line ${run.line}'s build fetches its dependencies after line ${W.line} copies all the sources, so any edit fetches them again: ${manifestsShown} ${files.length > 1 ? "are" : "is"} copied first and \`${line.slice(4)}\` fetches the dependencies in a layer of their own, reused until ${files.length > 1 ? "they change" : "it changes"}`,
      },
    };
  }
  // Composer: install without scripts and autoloader, dump the autoloader after the sources.
  let after: string | null = null;
  if (dep.eco.addFlags.length) {
    const missing = dep.eco.addFlags.filter((f) => !dep.args.includes(f));
    if (dep.args.includes("--no-autoloader")) {
      // the original writes no autoloader: nothing to write after the sources
    } else if (dep.eco.after) {
      const opts = [
        ...new Set(dep.args.map((a) => dep.eco.after!.options[a]).filter((o) => o !== undefined)),
      ];
      const [, ...rest] = dep.eco.after.command.split(" ");
      after = `RUN ${[dep.cmd.name, ...rest, ...opts].join(" ")}`;
    }
    if (missing.length) {
      const base = split?.dep ?? run.raw;
      const end = dep.cmd.offset - run.start + dep.cmd.text.length;
      if (end > base.length || base.slice(0, end).trimEnd().length !== end)
        return kept(`the words after the install cannot be told apart`);
      split = {
        dep: base.slice(0, end) + " " + missing.join(" ") + base.slice(end),
        rest: split?.rest ?? null,
      };
    }
  }
  const moved = `line ${W.line} (\`${W.raw.trim()}\`)`;
  return {
    step: {
      ...planned,
      split,
      addedRun: null,
      after,
      moves: true,
      why: `${what} on line ${run.line} ran after ${moved} copied all the sources, so any edit ran it again: ${manifestsShown} ${files.length > 1 ? "are" : "is"} copied first, the step runs, then ${moved} follows it; the step's layer is reused until ${files.length > 1 ? "a manifest changes" : "the manifest changes"}`,
    },
  };
}

/** The options of `args` named in `keep`, with their values (`--target x`, `--target=x`). */
function keptOptions(args: string[], keep: string[], values: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!keep.includes(a.split("=")[0]!)) continue;
    out.push(a);
    if (values.includes(a) && args[i + 1] !== undefined) out.push(args[++i]!);
  }
  return out;
}

/**
 * The RUN as a plain `&&` chain of its commands: for each command, where it starts and ends in the
 * raw text; null when anything else joins them (`;`, `||`, pipes, subshells, redirections…).
 */
function andChain(
  run: InstructionNode,
  cmds: ShellCommand[],
  escape: string,
): { starts: number[]; ends: number[]; prefix: number } | null {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const c of cmds) {
    const s = c.offset - run.start;
    const e = s + c.text.length;
    if (s < 0 || e > run.raw.length) return null;
    starts.push(s);
    ends.push(e);
  }
  for (let i = 1; i < cmds.length; i++) {
    const between = run.raw.slice(ends[i - 1]!, starts[i]!);
    if (joined(between, escape).trim() !== "&&") return null;
  }
  // Before the first command: the keyword and its flags only; after the last: nothing.
  const prefix = starts[0]!;
  if (!/^\s*\S+(\s+--\S+)*\s+$/.test(joined(run.raw.slice(0, prefix), escape))) return null;
  if (run.raw.slice(ends[ends.length - 1]!).trim() !== "") return null;
  // Keyword + flags of the RUN: the split-off rest starts the same way.
  const m = /^\s*\S+(\s+--\S+)*\s+/.exec(run.raw)!;
  return { starts, ends, prefix: m[0].length };
}

/**
 * What in a package.json makes an install read more than the manifests: lifecycle scripts that
 * run during it, patches and dependencies from files of the sources (`workspace:` is fine within
 * workspaces, whose manifests are copied too).
 */
function nodeManifestProblem(
  p: string,
  pkg: Record<string, unknown>,
  workspaces: boolean,
): string | null {
  const scripts = (pkg["scripts"] ?? {}) as Record<string, unknown>;
  const hook = NPM_INSTALL_SCRIPTS.find((s) => scripts[s] !== undefined);
  if (hook) return `${p}'s \`${hook}\` script runs during the install and may read any source file`;
  // Patches applied at install time live in the sources (pnpm, Bun, Yarn's patch: protocol).
  const pnpm = (pkg["pnpm"] ?? {}) as Record<string, unknown>;
  if (pkg["patchedDependencies"] !== undefined || pnpm["patchedDependencies"] !== undefined)
    return `${p} patches dependencies with files of the sources (patchedDependencies)`;
  const local = workspaces
    ? /^(file:|link:|portal:|patch:|\.{0,2}\/)/
    : /^(file:|link:|portal:|patch:|workspace:|\.{0,2}\/)/;
  for (const field of [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
    "resolutions",
    "overrides",
  ]) {
    const deps = (pkg[field] ?? {}) as Record<string, unknown>;
    for (const [name, spec] of Object.entries(deps))
      if (typeof spec === "string" && local.test(spec))
        return `${p}: ${name} comes from the sources (${spec})`;
  }
  return null;
}

/** Text with its line continuations joined as Docker joins them. */
function joined(text: string, escape: string): string {
  return text
    .replace(/\r\n/g, "\n")
    .split(escape + "\n")
    .join(" ");
}

/**
 * What the manifests say. A string: the order stays, for that reason; null: not a manifest step
 * at all (pip installing named packages only); true: fine. May add manifests to `files`.
 */
function checkContent(
  dep: DepCommand,
  context: BuildContext,
  ctxDir: string,
  cwd: string,
  whole: { source: string; dest: string },
  files: string[],
): string | true | null {
  const at = (name: string) => normalise(posix.join(ctxDir, name));
  const text = (p: string) => context.read(p);
  const unread = (p: string) => `${p} was not read, so what it names is not known`;
  /** A JSON manifest's object, or why it cannot be read. */
  const readJson = (p: string): Record<string, unknown> | string => {
    const t = text(p);
    if (t === undefined) return unread(p);
    try {
      const v: unknown = JSON.parse(t);
      return v && typeof v === "object" && !Array.isArray(v)
        ? (v as Record<string, unknown>)
        : `${p} is not a JSON object`;
    } catch {
      return `${p} is not valid JSON`;
    }
  };
  switch (dep.eco.check) {
    case "node": {
      const p = at("package.json");
      const pkg = readJson(p);
      if (typeof pkg === "string") return pkg;
      const workspaces = pkg["workspaces"];
      const problem = nodeManifestProblem(p, pkg, workspaces !== undefined);
      if (problem) return problem;
      if (workspaces === undefined) return true;
      // npm and Yarn 1 workspaces: each member's package.json comes first too, in its folder.
      const patterns = Array.isArray(workspaces)
        ? workspaces
        : (workspaces as { packages?: unknown } | null)?.packages;
      if (!Array.isArray(patterns) || patterns.some((w) => typeof w !== "string"))
        return `${p} declares workspaces in a form not understood here`;
      const members: string[] = [];
      for (const raw of patterns as string[]) {
        const w = raw.replace(/^\.\//, "").replace(/\/$/, "");
        const base = w.endsWith("/*") ? w.slice(0, -2) : w;
        if (/[*?[\]{}!]|^\.\.|(^|\/)\.\.(\/|$)/.test(base))
          return `${p}: the workspace pattern ${raw} is not understood here`;
        if (w.endsWith("/*")) members.push(...context.childFiles(at(base), "package.json"));
        else if (context.hasFile(at(`${base}/package.json`)))
          members.push(at(`${base}/package.json`));
        else return `${p}: the workspace ${raw} has no package.json in the build context`;
      }
      for (const m of members) {
        const member = readJson(m);
        if (typeof member === "string") return member;
        const why = nodeManifestProblem(m, member, true);
        if (why) return why;
        // npm links a member's programs at install time: they are sources.
        if (member["bin"] !== undefined)
          return `${m} declares programs (bin), which the install links`;
        const dir = posix.dirname(m);
        if (context.hasFolder(`${dir}/node_modules`))
          return `the context holds ${dir}/node_modules/ (not excluded by .dockerignore): copying the sources after the step would overwrite what it made`;
        if (!files.includes(m)) files.push(m);
      }
      return true;
    }
    case "go": {
      const p = at("go.mod");
      const t = text(p);
      if (t === undefined) return unread(p);
      if (/=>\s*(\.{1,2}\/|\/)/.test(t))
        return `${p} replaces a module with a local folder, which the download reads`;
      return true;
    }
    case "pip": {
      const args = dep.args.slice(dep.args.indexOf("install") + 1);
      const reqs: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        const m = /^(-r|--requirement|-c|--constraint)(=(.*))?$/.exec(a) ?? /^(-[rc])(.+)$/.exec(a);
        if (m) {
          const v = m[3] ?? (m[2] && !m[2].startsWith("=") ? m[2] : undefined) ?? args[++i];
          if (!v) return `an option without its file`;
          reqs.push(v);
          continue;
        }
        if (/^(-f|--find-links|-e|--editable|-t|--target|--prefix|--root|--src)$/.test(a))
          return `pip's ${a} reads or writes a folder of the sources`;
        if (
          /^(-i|--index-url|--extra-index-url|--trusted-host|--progress-bar|--platform|--python-version|--implementation|--abi|--only-binary|--no-binary|--cache-dir|--timeout|--retries)$/.test(
            a,
          )
        ) {
          i++;
          continue;
        }
        if (a.startsWith("-")) continue;
        if (/[/\\]|^\.|\.(whl|zip|tar\.gz|tgz)$|^file:/.test(a))
          return `pip installs ${a}, a path of the sources`;
      }
      if (reqs.length === 0) return null;
      // Requirement files: each must be in the copied folder and the context, and name no path.
      const seen = new Set<string>();
      const queue = reqs.map((r) => resolvePath(cwd, r));
      while (queue.length) {
        const image = queue.shift()!;
        if (seen.has(image)) continue;
        seen.add(image);
        const dest = whole.dest.replace(/\/$/, "") || "/";
        if (!coversDir(dest, image)) return `${image} is not among the copied sources`;
        const p = normalise(posix.join(whole.source, posix.relative(dest, image)));
        if (!context.hasFile(p))
          return `${p} is not in the build context${context.dockerignore ? " (or .dockerignore excludes it)" : ""}`;
        const t = text(p);
        if (t === undefined) return unread(p);
        for (const raw of t.split(/\r?\n/)) {
          const line = raw.replace(/(^|\s)#.*$/, "").trim();
          if (!line) continue;
          const inc = /^(-r|--requirement|-c|--constraint)[\s=]*(\S+)$/.exec(line);
          if (inc) {
            queue.push(resolvePath(posix.dirname(image), inc[2]!));
            continue;
          }
          if (
            /^(-e|--editable)\b/.test(line) ||
            /^(\.|\/|file:)/.test(line) ||
            /@\s*file:/.test(line)
          )
            return `${p} installs from a path of the sources (${line})`;
          if (/^(-f|--find-links)\b/.test(line) && !/(https?:)/.test(line))
            return `${p} finds packages in a folder (${line})`;
        }
        if (!files.includes(p)) files.push(p);
      }
      return true;
    }
    case "pipenv": {
      const p = at("Pipfile");
      const t = text(p);
      if (t === undefined) return unread(p);
      if (/\bpath\s*=|editable\s*=\s*true/.test(t))
        return `${p} installs a package from a path of the sources`;
      return true;
    }
    case "poetry": {
      if (!dep.args.includes("--no-root"))
        return "poetry install also installs the project itself (no --no-root), which needs the sources";
      const p = at("pyproject.toml");
      const t = text(p);
      if (t === undefined) return unread(p);
      if (/\bpath\s*=/.test(t)) return `${p} names a dependency by a path of the sources`;
      return true;
    }
    case "bundler": {
      if (dep.args.some((a) => /^--gemfile/.test(a))) return "bundle install names another Gemfile";
      const p = at("Gemfile");
      const t = text(p);
      if (t === undefined) return unread(p);
      const m = /^\s*(gemspec|eval_gemfile)\b|\bpath[:\s]|:path\s*=>|\bfile:/m.exec(t);
      if (m) return `${p} reads other files of the sources (${m[0].trim()})`;
      return true;
    }
    case "composer": {
      const p = at("composer.json");
      const t = text(p);
      if (t === undefined) return unread(p);
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(t) as Record<string, unknown>;
      } catch {
        return `${p} is not valid JSON`;
      }
      const scripts = (json["scripts"] ?? {}) as Record<string, unknown>;
      const hook = COMPOSER_HOOKS.find((h) => scripts[h] !== undefined);
      if (hook) return `${p}'s \`${hook}\` script would run at another point of the build`;
      const repos = json["repositories"];
      const list = Array.isArray(repos) ? repos : Object.values(repos ?? {});
      if (list.some((r) => (r as { type?: string })?.type === "path"))
        return `${p} has a path repository in the sources`;
      return true;
    }
    case "go-build": {
      const p = at("go.mod");
      const t = text(p);
      if (t === undefined) return unread(p);
      if (/=>\s*(\.{1,2}\/|\/)/.test(t))
        return `${p} replaces a module with a local folder, which the download reads`;
      // Nothing to download: no line to add.
      if (!/^\s*require\b/m.test(t)) return null;
      return true;
    }
    case "maven": {
      const keep = dep.eco.add?.keep ?? [];
      const odd = dep.args.find(
        (a) => a.startsWith("-") && !keep.includes(a) && !MAVEN_QUIET_OPTIONS.test(a),
      );
      if (odd) return `the build's option ${odd} may change what the dependencies are`;
      const p = at("pom.xml");
      const t = text(p);
      if (t === undefined) return unread(p);
      if (/<modules>/.test(t)) return `${p} has modules, whose poms live in other folders`;
      if (/<relativePath>\s*[^<\s]/.test(t)) return `${p}'s parent is a pom of the sources`;
      return true;
    }
    case "dotnet": {
      const proj = files.find((f) => /\.(cs|fs|vb)proj$/.test(f))!;
      const t = text(proj);
      if (t === undefined) return unread(proj);
      if (/<ProjectReference\b/.test(t)) return `${proj} references other projects`;
      return true;
    }
    case "mix": {
      const p = at("mix.exs");
      const t = text(p);
      if (t === undefined) return unread(p);
      if (/\bpath:|in_umbrella:/.test(t)) return `${p} names a dependency by a path of the sources`;
      return true;
    }
    case "cargo": {
      const p = at("Cargo.toml");
      const t = text(p);
      if (t === undefined) return unread(p);
      if (/^\s*\[workspace\]/m.test(t))
        return `${p} declares a workspace, whose members live in other folders`;
      if (!/^\s*\[package\]/m.test(t)) return `${p} has no [package]`;
      // `version.workspace = true`, `workspace = "../"`: the workspace's manifest is elsewhere.
      if (/^\s*[\w.-]*workspace\s*=/m.test(t))
        return `${p} belongs to a workspace, whose manifest lives in another folder`;
      if (/^\s*build\s*=/m.test(t)) return `${p} names a build script, which may read any file`;
      const target = /^\s*\[\[(bin|example|bench|test)\]\]/m.exec(t);
      if (target) return `${p} declares targets (${target[0].trim()}) the placeholder sources lack`;
      if (/\bpath\s*=/.test(t)) return `${p} names a dependency or target by a path of the sources`;
      return true;
    }
    case "gradle": {
      // The wrapper downloads Gradle itself: its files must come first too.
      if (/(^|\/)gradlew$/.test(dep.cmd.name))
        for (const w of [
          "gradlew",
          "gradle/wrapper/gradle-wrapper.properties",
          "gradle/wrapper/gradle-wrapper.jar",
        ])
          if (!files.includes(at(w)))
            return `${at(w)} is not in the build context${context.dockerignore ? " (or .dockerignore excludes it)" : ""}`;
      // Subprojects (`include("api", ":libs:core")`): each one's build file comes first too, in
      // its folder; anything else in the settings that points elsewhere keeps the order.
      const builds = [files.find((f) => /(^|\/)build\.gradle(\.kts)?$/.test(f))!];
      for (const s of ["settings.gradle", "settings.gradle.kts"]) {
        if (!files.includes(at(s))) continue;
        const t = text(at(s));
        if (t === undefined) return unread(at(s));
        const other = /^\s*include(Build|Flat)\b|\bprojectDir\b|\bbuildFileName\b/m.exec(t);
        if (other)
          return `${at(s)} includes other projects (${other[0].trim()}) in a way not followed here`;
        for (const m of t.matchAll(/^\s*include\b(.*)$/gm)) {
          const rest = m[1]!;
          if (!/^[\s(]*(["'][\w:.-]+["'][\s,]*)+\)?\s*$/.test(rest))
            return `${at(s)} includes other projects in a form not understood here (${m[0].trim()})`;
          for (const [, name] of rest.matchAll(/["']([\w:.-]+)["']/g)) {
            if (name!.includes(".."))
              return `${at(s)} includes a project outside its folder (${name})`;
            const dir = at(name!.replace(/^:/, "").replace(/:/g, "/"));
            const found = ["build.gradle", "build.gradle.kts"]
              .map((b) => `${dir}/${b}`)
              .filter((f) => context.hasFile(f));
            if (found.length > 1) return `${dir} has both build.gradle and build.gradle.kts`;
            for (const f of [...found, `${dir}/gradle.properties`].filter((f) =>
              context.hasFile(f),
            ))
              if (!files.includes(f)) files.push(f);
            builds.push(...found);
          }
        }
      }
      for (const build of builds) {
        const t = text(build);
        if (t === undefined) return unread(build);
        const m = /\bapply\s*\(?\s*from\b|\bfiles\s*\(|\bfileTree\s*\(|\bflatDir\b/.exec(t);
        if (m) return `${build} reads other files of the sources (${m[0].trim()})`;
        // A project dependency needs that project's build file among the copied ones.
        for (const [, name] of t.matchAll(
          /\bproject\s*\(\s*(?:path\s*[:=]\s*)?["']([^"']*)["']/g,
        )) {
          const dir = at(name!.replace(/^:/, "").replace(/:/g, "/"));
          if (!builds.some((b) => normalise(posix.dirname(b)) === dir))
            return `${build} depends on project ${name}, which the settings do not include`;
        }
      }
      return true;
    }
    case "none":
      return true;
    default:
      return `no content check is known for ${dep.eco.id}`;
  }
}
