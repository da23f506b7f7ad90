// Python applications on the python images: pip installs (which compile C extensions when
// compilers and -dev packages are present) are repeated in the builder into a virtualenv, and the
// runtime stage is the slim (or the same Alpine) image of the same Python with the virtualenv
// first on PATH. A virtualenv does not depend on where the image's Python keeps its packages.
import { posix } from "node:path";
import {
  allCommands,
  contextCopies,
  entryProgram,
  envAt,
  lastBuildIndex,
  scoreEcosystem,
} from "../src/artifacts.js";
import { resolvePath } from "../src/parse/shell.js";
import { leave, type LeaveAlone, type Transform, type TransformContext } from "../src/transform.js";
import type { ArtifactCopy, Evidence, InstructionNode, ShellCommand } from "../src/types.js";

const VENV = "/opt/venv";
/** Installs of the packaging tools themselves: the runtime image has its own. */
const TOOLS = new Set(["pip", "setuptools", "wheel", "pipenv", "poetry", "virtualenv"]);
/** pip options that change where or how packages land: not repeatable into a virtualenv. */
const UNSUPPORTED_OPTIONS = ["--user", "-e", "--editable", "--target", "-t", "--prefix", "--root"];
/** Distribution packages of the packaging tools: build-only, but they compile nothing. */
const PACKAGING_PACKAGES = new Set(["pipenv", "python3-poetry"]);
const CODENAMES = ["trixie", "bookworm", "bullseye", "buster", "stretch", "jessie"];
const REQUIREMENT_FILES =
  /^(requirements.*\.txt|constraints.*\.txt|Pipfile(\.lock)?|pyproject\.toml|setup\.(py|cfg)|poetry\.lock)$/;

/** The words after `install` of a pip command (`pip install …`, `python -m pip install …`). */
function pipInstall(cmd: ShellCommand): { before: string[]; args: string[] } | null {
  const name = cmd.name.replace(/^.*\//, "");
  let words = cmd.args;
  let before = [cmd.name];
  if (/^python[\d.]*$/.test(name)) {
    const m = words.indexOf("-m");
    if (m === -1 || words[m + 1] !== "pip") return null;
    before = [cmd.name, ...words.slice(0, m + 2)];
    words = words.slice(m + 2);
  } else if (!/^pip[\d.]*$/.test(name)) return null;
  const at = words.findIndex((w) => !w.startsWith("-"));
  if (at === -1 || words[at] !== "install") return null;
  return { before: [...before, ...words.slice(0, at)], args: words.slice(at + 1) };
}

/** `poetry install …` / `pipenv install|sync …`: the tool and the words after its command. */
function projectInstall(cmd: ShellCommand): { tool: "poetry" | "pipenv"; args: string[] } | null {
  const name = cmd.name.replace(/^.*\//, "");
  if (name !== "poetry" && name !== "pipenv") return null;
  const at = cmd.args.findIndex((w) => !w.startsWith("-"));
  const sub = cmd.args[at];
  if (sub !== "install" && !(name === "pipenv" && sub === "sync")) return null;
  // `pipenv install <package>` adds a package to the Pipfile: not a deployment install.
  if (
    name === "pipenv" &&
    sub === "install" &&
    cmd.args.slice(at + 1).some((w) => !w.startsWith("-"))
  )
    return null;
  return { tool: name, args: cmd.args.slice(at) };
}

/** The packages named on the command line (not -r files, not option values). */
function named(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (
      /^(-r|--requirement|-c|--constraint|-i|--index-url|--extra-index-url|-f|--find-links)$/.test(
        a,
      )
    ) {
      i++;
      continue;
    }
    if (!a.startsWith("-")) out.push(a.replace(/[<>=!~[;].*$/, "").toLowerCase());
  }
  return out;
}

/** `3.11-bullseye` → version 3.11, suffix -bullseye; `3.9-slim` → 3.9; `3.7-alpine` → alpine. */
export function pythonTag(tag: string): { version: string; suffix: string } {
  const codename = CODENAMES.find((c) => tag.includes(c));
  const version = tag
    .replace(/-(slim|alpine[\d.]*|windowsservercore.*|nanoserver.*)/g, "")
    .replace(new RegExp(`-?(${CODENAMES.join("|")})$`), "");
  return { version: version || "3", suffix: codename ? `-${codename}` : "" };
}

/**
 * The file's own virtualenv (`python -m venv /opt/venv` + `ENV PATH="/opt/venv/bin:$PATH"`): made
 * before the installs and first on PATH from then on (or its pip called by path). Null when the file
 * makes none; a reason when it makes one the installs may not go into.
 */
function ownVenv(
  ctx: TransformContext,
  installAt: number[],
): { dir: string; line: number; text: string } | LeaveAlone | null {
  const made = allCommands(ctx).filter(
    ({ cmd }) =>
      cmd.name.replace(/^.*\//, "") === "virtualenv" ||
      (/^python[\d.]*$/.test(cmd.name.replace(/^.*\//, "")) &&
        cmd.args[0] === "-m" &&
        cmd.args[1] === "venv"),
  );
  if (made.length === 0) return null;
  const { ins, cmd } = made[0]!;
  const unsupported = (why: string) =>
    leave("unsupported", `line ${ins.line} makes its own virtualenv: ${why}`, ins.line);
  if (made.length > 1) return unsupported("more than one is made");
  const operands = cmd.args.filter((a, i) => !a.startsWith("-") && !(i === 1 && a === "venv"));
  if (operands.length !== 1 || operands[0]!.includes("$"))
    return unsupported("its folder is not known");
  const dir = resolvePath(cmd.cwd, operands[0]!).replace(/\/$/, "");
  const first = Math.min(...installAt);
  if (ins.index >= first) return unsupported("it is made after the first install");
  // Every install must go into it: its bin first on PATH before the first install.
  const path = envAt(ctx, first)["PATH"] ?? "";
  if (path.split(":")[0] !== `${dir}/bin`)
    return unsupported(`${dir}/bin is not first on PATH before the installs`);
  return { dir, line: ins.line, text: cmd.text };
}

interface StartThroughTool {
  tool: "poetry" | "pipenv";
  rewrite: { index: number; text: string };
  change: { field: string; from: string; to: string; why: string };
}

/** Names a project file declares as scripts of its own (`[tool.poetry.scripts]`, Pipfile `[scripts]`). */
function declaredScripts(text: string, sections: string[]): string[] {
  const names: string[] = [];
  let inSection = false;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      inSection = sections.includes(header[1]!.trim());
      continue;
    }
    const key = inSection && /^\s*["']?([\w.-]+)["']?\s*=/.exec(line);
    if (key) names.push(key[1]!);
  }
  return names;
}

/**
 * `poetry run X …` / `pipenv run X …` at start runs X with the project's virtualenv active. The
 * runtime stage has that virtualenv (/opt/venv) first on PATH and VIRTUAL_ENV set, but no Poetry
 * or Pipenv, so the start command becomes `X …`. Left alone when X is a script the project file
 * declares (the tool runs those its own way), when `pipenv run` would load a .env file, when the
 * tool is given options, or when the build context is not known to tell these apart.
 */
function startThroughTool(
  ctx: TransformContext,
  tool: "poetry" | "pipenv",
): StartThroughTool | LeaveAlone {
  const { entrypoint, cmd } = ctx.facts;
  const spec = entrypoint ?? cmd;
  const unsure = (why: string) =>
    leave("toolchain-at-runtime", `the image starts through ${tool} run: ${why}`);
  if (!spec) return unsure("no start command");
  const ins = ctx.doc.instructions[spec.index]!;
  const words = spec.words;
  if (words[0]?.replace(/^.*\//, "") !== tool || words[1] !== "run" || !words[2])
    return unsure(`${tool} is given options or another command (${words.slice(0, 3).join(" ")})`);
  const program = words[2];
  if (program.startsWith("-")) return unsure(`${tool} run is given the option ${program}`);
  const env = new Map(ctx.facts.env);
  const project = tool === "poetry" ? "pyproject.toml" : "Pipfile";
  const context =
    ctx.buildContext && !("unknown" in ctx.buildContext) ? ctx.buildContext.input : null;
  if (!context) {
    if (!/^python[\d.]*$/.test(program))
      return unsure(
        `the build context is not known, so whether ${program} is a script ${project} declares cannot be told`,
      );
  } else {
    const files = context.files.filter((f) => f.replace(/^.*\//, "") === project);
    const unread = files.find((f) => context.contents?.[f] === undefined);
    if (unread && !/^python[\d.]*$/.test(program))
      return unsure(
        `${unread} was not read, so whether ${program} is a script it declares cannot be told`,
      );
    const texts = files.map((f) => context.contents?.[f] ?? "");
    const sections = tool === "poetry" ? ["tool.poetry.scripts", "project.scripts"] : ["scripts"];
    if (texts.some((t) => declaredScripts(t, sections).includes(program)))
      return unsure(`${program} is a script ${project} declares, which ${tool} runs its own way`);
    if (
      tool === "pipenv" &&
      !/^(1|true|yes)$/i.test(env.get("PIPENV_DONT_LOAD_ENV") ?? "") &&
      context.files.some((f) => f.replace(/^.*\//, "") === ".env")
    )
      return unsure(
        "pipenv run loads the .env file of the build context, which the program alone would not",
      );
  }
  if (tool === "pipenv" && env.has("PIPENV_IGNORE_VIRTUALENVS"))
    return unsure("PIPENV_IGNORE_VIRTUALENVS makes pipenv ignore the active virtualenv");
  if (
    tool === "poetry" &&
    [...env.keys()].some((k) => /^POETRY_(VIRTUALENVS_PATH|PROJECT_DIR)$/.test(k))
  )
    return unsure("Poetry is told where its virtualenv or project is");
  const rest = words.slice(2);
  let text: string;
  const keyword = /^\s*\S+\s+/.exec(ins.raw)![0];
  if (spec.form === "exec") {
    const sep = /",\s/.test(ins.raw) ? ", " : ",";
    text = `${keyword}[${rest.map((w) => JSON.stringify(w)).join(sep)}]`;
  } else {
    const m = new RegExp(`^(\\s*\\S+\\s+)(\\S*${tool})\\s+run\\s+`).exec(ins.raw);
    const after = m ? ins.raw.slice(m[0].length) : "";
    if (!m || /\b(poetry|pipenv)\b/.test(after) || /\\\r?\n/.test(ins.raw))
      return unsure("the shell command runs it more than once or over several lines");
    text = m[1] + after;
  }
  return {
    tool,
    rewrite: { index: ins.index, text },
    change: {
      field: ins.keyword,
      from: words.join(" "),
      to: rest.join(" "),
      why: `${tool} run starts ${program} with the project's virtualenv active; the runtime stage has that virtualenv (${VENV}) first on PATH and no ${tool === "poetry" ? "Poetry" : "Pipenv"}, so it starts ${program} itself`,
    },
  };
}

const python: Transform = {
  id: "python",
  describe: "Python applications on python images: pip packages built in the builder, slim runtime",
  detect(ctx) {
    const family = ctx.facts.baseInfo?.family;
    if (family !== "python" && family !== "pypy") return null;
    const { score, evidence } = scoreEcosystem(ctx, "python", [
      "build-essential",
      "gcc",
      "g++",
      "build-base",
      "musl-dev",
    ]);
    return score > 0 ? { ecosystem: "python", score, evidence } : null;
  },
  plan(ctx) {
    const base = ctx.facts.base!;
    const tag = base.tag.toLowerCase();
    const isPypy = ctx.facts.baseInfo?.family === "pypy";
    // Python 2 (CPython or PyPy) has no venv module: the virtualenv cannot be made.
    if (/^2(\b|[.-])/.test(tag))
      return leave(
        "unsupported",
        `${base.ref} is ${isPypy ? "PyPy" : "Python"} 2, which has no venv module`,
      );
    const evidence: Evidence[] = [];
    const installs = allCommands(ctx)
      .map(({ ins, cmd }) => ({ ins, cmd, pip: pipInstall(cmd) }))
      .filter(
        (
          x,
        ): x is {
          ins: InstructionNode;
          cmd: ShellCommand;
          pip: NonNullable<ReturnType<typeof pipInstall>>;
        } => x.pip !== null,
      )
      .filter(({ pip }) => {
        const pkgs = named(pip.args);
        const files = pip.args.some((a) => /^(-r|--requirement)/.test(a));
        return files || pkgs.some((p) => !TOOLS.has(p));
      });
    const projects = allCommands(ctx)
      .map(({ ins, cmd }) => ({ ins, cmd, project: projectInstall(cmd) }))
      .filter(
        (
          x,
        ): x is {
          ins: InstructionNode;
          cmd: ShellCommand;
          project: NonNullable<ReturnType<typeof projectInstall>>;
        } => x.project !== null,
      );
    if (installs.length === 0 && projects.length === 0)
      return leave("nothing-built", "pip installs only packaging tools: nothing to split");
    // Poetry and Pipenv make a virtualenv of their own unless told to install into the system
    // Python; the builder repeats such installs with /opt/venv active (VIRTUAL_ENV, PATH).
    const env = new Map(ctx.facts.env);
    const poetryNoVenv =
      /^(false|0)$/i.test(env.get("POETRY_VIRTUALENVS_CREATE") ?? "") ||
      allCommands(ctx).some(
        ({ cmd }) =>
          cmd.name.replace(/^.*\//, "") === "poetry" &&
          cmd.args[0] === "config" &&
          cmd.args.includes("virtualenvs.create") &&
          /^(false|0)$/i.test(cmd.args[cmd.args.length - 1] ?? ""),
      );
    // A project install that makes its own virtualenv is repeated with /opt/venv active instead
    // (Poetry and Pipenv use an activated virtualenv); sound only when the image starts through
    // `poetry run` / `pipenv run`, which is then started as its command with /opt/venv on PATH.
    const runner = entryProgram(ctx);
    const runnerTool = runner ? runner.program.replace(/^.*\//, "") : "";
    const ownVenvInstall = projects.find(
      ({ project }) =>
        (project.tool === "poetry" && !poetryNoVenv) ||
        (project.tool === "pipenv" && !project.args.includes("--system")),
    );
    let start: StartThroughTool | null = null;
    if (/^(poetry|pipenv)$/.test(runnerTool)) {
      const s = startThroughTool(ctx, runnerTool as "poetry" | "pipenv");
      if ("leave" in s) return s;
      start = s;
    } else if (ownVenvInstall) {
      const { ins, project } = ownVenvInstall;
      return leave(
        "unsupported",
        project.tool === "poetry"
          ? `line ${ins.line} runs poetry install, which makes its own virtualenv (no \`poetry config virtualenvs.create false\` or POETRY_VIRTUALENVS_CREATE=false), and the image does not start through \`poetry run\`: what it runs without that virtualenv would change`
          : `line ${ins.line} runs pipenv without --system, which makes its own virtualenv, and the image does not start through \`pipenv run\`: what it runs without that virtualenv would change`,
        ins.line,
      );
    }
    for (const { ins, pip } of installs) {
      const bad = pip.args.find((a) =>
        UNSUPPORTED_OPTIONS.some((o) => a === o || a.startsWith(o + "=")),
      );
      if (bad)
        return leave(
          "unsupported",
          `line ${ins.line} installs with ${bad}: not repeatable into a virtualenv`,
          ins.line,
        );
    }
    const program = entryProgram(ctx)?.program ?? "";
    if (program.startsWith("/") && /\/(python|pip)[\d.]*$/.test(program))
      return leave(
        "unsupported",
        `the image runs ${program} by its path: the virtualenv's python would not be used`,
      );
    const own = ownVenv(
      ctx,
      installs.map((i) => i.ins.index).concat(projects.map((p) => p.ins.index)),
    );
    if (own && "leave" in own) return own;
    const compiled = ctx.facts.toolchainPackages.some((p) => !PACKAGING_PACKAGES.has(p));
    const slim = /(^|-)(slim|alpine)/.test(tag);
    if (!compiled && slim)
      return leave(
        "nothing-built",
        `nothing is compiled (no compiler or -dev package) and ${base.ref} is already slim`,
      );
    const workdir = ctx.facts.finalWorkdir;
    const lastBuild = lastBuildIndex(ctx);
    // The installs stay as written: they land in the virtualenv because it is created before the
    // first of them and comes first on PATH (one install, not a second into the virtualenv). A
    // pip named by its path would bypass it.
    const byPath = allCommands(ctx).find(
      ({ cmd }) =>
        cmd.name.includes("/") &&
        !(own && cmd.name.startsWith(own.dir + "/bin/")) &&
        (pipInstall(cmd) || projectInstall(cmd)),
    );
    if (byPath)
      return leave(
        "unsupported",
        `line ${byPath.ins.line} runs ${byPath.cmd.name} by its path, which would install outside the virtualenv`,
        byPath.ins.line,
      );
    const steps = [
      ...installs.map(({ ins, cmd }) => ({ ins, cmd })),
      ...projects.map(({ ins, cmd }) => ({ ins, cmd })),
    ].sort((a, b) => a.ins.index - b.ins.index || a.cmd.offset - b.cmd.offset);
    // Before the first install of the project's packages: installs of the packaging tools alone
    // before it (pip, Poetry, Pipenv) stay in the image's Python and out of the runtime stage.
    const firstPip = steps[0]!.ins;
    const venvEnv = projects.length
      ? `ENV VIRTUAL_ENV=${VENV} PATH="${VENV}/bin:$PATH"`
      : `ENV PATH="${VENV}/bin:$PATH"`;
    const venv = own?.dir ?? VENV;
    // PyPy's images name their interpreter pypy3 (python is not on PATH there).
    const interpreter = isPypy ? "pypy3" : "python";
    const builderInserts = own
      ? []
      : [
          {
            before: firstPip.index,
            lines: [`RUN ${interpreter} -m venv ${VENV}`, venvEnv],
            why: `a virtualenv in ${VENV}, first on PATH${projects.length ? " and active (VIRTUAL_ENV, which Poetry and Pipenv follow)" : ""}, so the install lines that follow put the packages (C extensions built here with the compilers) into it unchanged, and the runtime stage copies it without the compilers`,
          },
        ];
    if (own)
      evidence.push({
        rule: "own-venv",
        match: own.text,
        why: `line ${own.line} makes the virtualenv ${own.dir} and it is first on PATH before the installs: the runtime stage copies it`,
      });
    const first = steps[0]!;
    evidence.push({
      rule: projects.some((p) => p.ins === first.ins)
        ? `${first.cmd.name.replace(/^.*\//, "")}-install`
        : "pip-install",
      match: first.cmd.text.slice(0, 100),
      why: compiled
        ? `installs Python packages with ${ctx.facts.toolchainPackages.filter((p) => !PACKAGING_PACKAGES.has(p)).join(", ")} present: C extensions are compiled`
        : `installs Python packages on the full ${base.ref} image`,
    });
    const artifacts: ArtifactCopy[] = [
      {
        from: venv,
        to: venv,
        why: "the virtualenv with the packages pip installed and their console scripts",
        rule: "pip-venv",
        line: steps[steps.length - 1]!.ins.line,
      },
    ];
    // The application files copied before the install (with the requirements) stay in the builder:
    // copy the application folder when one of them is more than a requirements file.
    const early = contextCopies(ctx).filter(
      (c) =>
        c.index < lastBuild &&
        (c.dest === workdir + "/" || c.dest.startsWith(workdir + "/") || c.dest === workdir) &&
        c.sources.some((s) => !REQUIREMENT_FILES.test(posix.basename(s))),
    );
    if (early.length > 0) {
      if (workdir === "/")
        return leave(
          "artifact-unknown",
          "the application is copied into / (no WORKDIR): the files it needs cannot be told apart",
        );
      artifacts.push({
        from: workdir,
        to: workdir,
        why: `the application files copied by line ${early.map((c) => c.line).join(", ")}`,
        rule: "app-folder",
        line: early[early.length - 1]!.line,
      });
    }
    if (start && own)
      return leave(
        "unsupported",
        `the image starts through ${start.tool} run and line ${own.line} makes a virtualenv of its own: which one ${start.tool} would use is not told`,
        own.line,
      );
    const { version, suffix } = pythonTag(tag);
    const runtimeVenvEnv = start
      ? `ENV VIRTUAL_ENV=${VENV} PATH="${VENV}/bin:$PATH"`
      : `ENV PATH="${VENV}/bin:$PATH"`;
    return {
      runtimeClass: isPypy ? "pypy" : "python",
      runtimeWhy: `the same Python ${version} without compilers and -dev headers`,
      imageVars: { version, suffix, tag: base.tag },
      artifacts,
      builderInserts,
      // The file's own virtualenv is on PATH by its own ENV, which the runtime stage keeps.
      extraSteps: own ? [] : [runtimeVenvEnv],
      declaredChanges: own
        ? []
        : [
            {
              field: "ENV PATH",
              from: "(inherited)",
              to: `${VENV}/bin:$PATH`,
              why: `the virtualenv ${VENV} comes first on PATH, so python and the console scripts use its packages`,
            },
            ...(start
              ? [
                  {
                    field: "ENV VIRTUAL_ENV",
                    from: "",
                    to: VENV,
                    why: `${start.tool} run sets VIRTUAL_ENV for the program it starts; the runtime stage sets it for the program itself`,
                  },
                  start.change,
                ]
              : []),
          ],
      ...(start ? { rewrites: [start.rewrite] } : {}),
      // Packages built from source on a full image may link libraries the slim image lacks.
      afterCopySteps: [
        `RUN if find ${venv} -type f \\( -name '*.so*' -o -perm -u+x \\) -exec ldd {} \\; 2>&1 | grep -E 'not found|Error (loading|relocating)'; then echo 'a compiled Python package needs a library this image lacks' >&2; exit 1; fi`,
      ],
      evidence,
      notes: [
        "a check in the runtime stage fails the build when a compiled package links a library the runtime image lacks (add its runtime package then)",
        own
          ? `the file's own virtualenv ${venv} is copied to the runtime stage; its python links to the image's, the same in the slim image`
          : `the virtualenv ${VENV} is made in the builder before the first install; the original ${projects.length ? "pip, Poetry and Pipenv" : "pip"} installs stay as written and install into it`,
      ],
    };
  },
};
export default python;
