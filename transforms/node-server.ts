// Node/TypeScript servers: dependencies installed with npm/yarn/pnpm, a build step (npm run
// build, tsc, nest/next build), and `node <built file>` at start. The runtime stage is the same
// Node release without the build tools, holding package.json, the production dependencies and the
// build output folder the command runs from.
import { posix } from "node:path";
import { commands as commandData, matchesCommand } from "../src/data.js";
import {
  allCommands,
  contextCopies,
  entryProgram,
  entryWords,
  scoreEcosystem,
} from "../src/artifacts.js";
import { resolvePath } from "../src/parse/shell.js";
import type { LeaveAlone, Transform, TransformContext } from "../src/transform.js";
import type { ArtifactCopy, Evidence, InstructionNode, ShellCommand } from "../src/types.js";

/** Folders build tools write their output to: a command running from one of these runs a build. */
const OUTPUT_DIRS = ["dist", "build", "out", ".output", ".next"];
/** Output folders that hold their own node_modules and need nothing else from the project. */
const SELF_CONTAINED = [".next/standalone"];
/** Programs that only start the real command (`tini -- node …`). */
const WRAPPERS = new Set([
  "tini",
  "/sbin/tini",
  "/usr/bin/tini",
  "dumb-init",
  "/usr/bin/dumb-init",
]);
const NODE = /^((\/usr\/local|\/usr)?\/bin\/)?(node|nodejs)$/;
/** Node options that take the next word as their value. */
const VALUE_OPTIONS = new Set(["-r", "--require", "--import", "--loader", "--experimental-loader"]);
const LOCKFILES: Record<string, string> = {
  "package-lock.json": "npm",
  "npm-shrinkwrap.json": "npm",
  "yarn.lock": "yarn",
  "pnpm-lock.yaml": "pnpm",
};
const MANAGERS = new Set(["npm", "yarn", "pnpm"]);

function leave(code: string, message: string, line?: number): LeaveAlone {
  return { leave: { code, message, ...(line ? { line } : {}) } };
}

/** The script `node` starts, looking through init wrappers and node's own options. */
function nodeEntry(ctx: TransformContext): { script: string; command: string } | null {
  let words = entryWords(ctx);
  if (/^(\/bin\/)?(ba)?sh$/.test(words[0] ?? "") && words[1] === "-c")
    words = (words[2] ?? "").trim().split(/\s+/);
  while (words[0] === "exec" || words[0]?.includes("=")) words = words.slice(1);
  if (WRAPPERS.has(words[0] ?? "")) {
    words = words.slice(1);
    while (words[0]?.startsWith("-")) words = words.slice(1);
  }
  if (!NODE.test(words[0] ?? "")) return null;
  const command = words.join(" ");
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === "-e" || w === "--eval" || w === "-p" || w === "--print") return null;
    if (VALUE_OPTIONS.has(w)) {
      i++;
      continue;
    }
    if (w.startsWith("-")) continue;
    return { script: w, command };
  }
  return null;
}

/** `npm run start:prod`, `yarn serve`…: the command is a package.json script. */
function packageScript(ctx: TransformContext): string | null {
  const e = entryProgram(ctx);
  return e && MANAGERS.has(e.program) ? [e.program, ...e.args].join(" ") : null;
}

/** Line of the last COPY/ADD from the context that puts this path in place. */
function copiedFrom(ctx: TransformContext, path: string): number | undefined {
  return contextCopies(ctx)
    .filter((c) =>
      c.dest.endsWith("/")
        ? path.startsWith(c.dest) &&
          c.sources.some(
            (s) =>
              /^\.\/?$/.test(s) || posix.basename(s) === posix.basename(path) || /[*?]/.test(s),
          )
        : c.dest === path,
    )
    .pop()?.line;
}

function isInstall(cmd: ShellCommand): boolean {
  if (!MANAGERS.has(cmd.name)) return false;
  if (cmd.args.some((a) => a === "-g" || a === "--global")) return false;
  const verb = cmd.args.find((a) => !a.startsWith("-"));
  if (cmd.name === "yarn") return verb === undefined || verb === "install";
  if (cmd.name === "pnpm") return verb === "install" || verb === "i";
  return verb === "ci" || verb === "install" || verb === "i";
}

/** Does this command leave only production dependencies in node_modules? */
function isProductionOnly(cmd: ShellCommand, env: Record<string, string>): boolean {
  const a = cmd.args;
  const omitDev =
    a.includes("--omit=dev") ||
    a.includes("--production") ||
    a.includes("--prod") ||
    a.includes("-P") ||
    a.includes("--only=prod") ||
    a.includes("--only=production") ||
    (a.includes("--omit") && a[a.indexOf("--omit") + 1] === "dev");
  const envProd = (cmd.assignments["NODE_ENV"] ?? env["NODE_ENV"]) === "production";
  if (cmd.name === "npm" && a[0] === "prune") return omitDev || envProd;
  if (cmd.name === "pnpm" && a[0] === "prune") return omitDev || envProd;
  return isInstall(cmd) && (omitDev || envProd);
}

/** Environment declared by ENV before an instruction (enough to see NODE_ENV). */
function declaredEnv(ctx: TransformContext, index: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of ctx.doc.instructions) {
    if (ins.index >= index) break;
    if (ins.keyword === "ENV") for (const [k, v] of ins.properties) env[k] = v;
    if (ins.keyword === "ARG")
      for (const [k, v] of ins.properties) if (v !== "" && !(k in env)) env[k] = v;
  }
  for (const [k, v] of Object.entries(env))
    if (/^\$\{?(\w+)\}?$/.test(v)) env[k] = env[v.replace(/[${}]/g, "")] ?? v;
  return env;
}

/** A compile or bundle step of the Node ecosystem (code generation alone does not count). */
function compiles(cmd: ShellCommand): string | null {
  const rule = commandData.rules.find(
    (r) => r.ecosystem === "node" && r.role === "build" && matchesCommand(r, cmd.name, cmd.args),
  );
  return rule && rule.score >= 3 && !rule.atRuntime ? rule.id : null;
}

/** The runtime tag parts of a node image tag: `{version}` for `-slim`, the major for npm flags. */
export function nodeVersion(tag: string): { version: string; major: number | null } {
  let version = tag.replace(/-alpine[\d.]*$/, "").replace(/(^|-)slim$/, "");
  if (version === "" || version === "latest") version = "current";
  const m = /^(\d+)/.exec(version);
  return { version, major: m ? Number(m[1]) : null };
}

const nodeServer: Transform = {
  id: "node-server",
  describe: "Node/TypeScript servers built with npm/yarn/pnpm and started with `node <built file>`",
  detect(ctx) {
    const entry = nodeEntry(ctx);
    const script = packageScript(ctx);
    if (!entry && !script) return null;
    const compile = allCommands(ctx).find(({ cmd }) => compiles(cmd));
    if (!compile) return null;
    const { score, evidence } = scoreEcosystem(ctx, "node", ["nodejs", "npm", "yarn"]);
    evidence.push({
      rule: entry ? "node-entry" : "package-script-entry",
      match: entry?.command ?? script!,
      why: entry ? "the image runs a script with node" : "the image runs a package.json script",
    });
    return { ecosystem: "node-server", score: score + 2, evidence };
  },
  plan(ctx) {
    const entry = nodeEntry(ctx);
    if (!entry)
      return leave(
        "artifact-unknown",
        `the image runs \`${packageScript(ctx)}\`, a package.json script: what it starts and which files it needs are not in the Dockerfile`,
      );
    if (ctx.facts.baseInfo?.family !== "node")
      return leave(
        "unsupported",
        `Node does not come from the node image (${ctx.facts.base?.ref}): the Node release to run on is unknown`,
      );
    const evidence: Evidence[] = [];
    const cmds = allCommands(ctx);
    const installs = cmds.filter(({ cmd }) => isInstall(cmd));
    const install = installs.find(({ cmd }) => !isProductionOnly(cmd, {})) ?? installs[0];
    if (!install)
      return leave(
        "artifact-unknown",
        "no npm/yarn/pnpm install of the project is seen: where its node_modules are is unknown",
      );
    const appDir = install.cmd.cwd;
    const manager = install.cmd.name;
    const lock = contextCopies(ctx)
      .flatMap((c) => c.sources.map((s) => posix.basename(s)))
      .find((s) => s in LOCKFILES);
    evidence.push({
      rule: `${manager}-project`,
      match: install.cmd.text,
      why: `dependencies installed in ${appDir} with ${manager}${lock ? ` (${lock} copied)` : ""}`,
    });
    if (manager === "yarn" && install.cmd.args.some((a) => a === "--immutable"))
      return leave(
        "unsupported",
        "Yarn 2+ (--immutable) has no built-in way to drop devDependencies in place",
        install.ins.line,
      );

    // What the command runs must come out of a build folder of this project.
    const script = resolvePath(ctx.facts.finalWorkdir, entry.script);
    const rel = posix.relative(appDir, script);
    if (rel.startsWith("..") || posix.isAbsolute(rel))
      return leave(
        "artifact-unknown",
        `node runs ${script}, outside the project folder ${appDir} where dependencies are installed`,
      );
    const top = rel.split("/")[0]!;
    if (!rel.includes("/") || !OUTPUT_DIRS.includes(top))
      return leave(
        "artifact-unknown",
        `node runs ${rel} in ${appDir}, not from a build output folder (${OUTPUT_DIRS.join(", ")}): the files it needs cannot be told from the sources`,
      );
    const compile = cmds.find(({ cmd }) => compiles(cmd))!;
    evidence.push({
      rule: compiles(compile.cmd)!,
      match: compile.cmd.text.slice(0, 100),
      why: `the build writes ${posix.join(appDir, top)}, which \`${entry.command}\` runs from`,
    });

    // Steps after the build that run the package manager (prisma generate, prune, cache clean)
    // belong to the builder: their results reach the runtime through node_modules.
    const lastBuild = Math.max(
      ...ctx.facts.lines
        .filter((l) => l.role === "build" || l.role === "artifact")
        .map((l) => l.index),
    );
    const tail = ctx.doc.instructions.filter(
      (i): i is InstructionNode =>
        i.index > lastBuild &&
        i.keyword === "RUN" &&
        i.commands.length > 0 &&
        i.commands.every((c) => MANAGERS.has(c.name) || c.name === "npx" || c.name === "cd"),
    );
    const builderOnly = tail.map((i) => i.index);

    const selfContained = SELF_CONTAINED.find((d) => rel.startsWith(d + "/"));
    const artifacts: ArtifactCopy[] = [];
    const builderSteps: { line: string; why: string }[] = [];
    const notes: string[] = [];
    if (selfContained) {
      const dir = posix.join(appDir, selfContained);
      artifacts.push({
        from: dir,
        to: dir,
        why: `self-contained build output with its own node_modules; \`${entry.command}\` runs from it`,
        rule: "node-standalone",
        line: compile.ins.line,
      });
    } else {
      const pruned = cmds.some(
        ({ ins, cmd }) =>
          cmd.offset > install.cmd.offset && isProductionOnly(cmd, declaredEnv(ctx, ins.index)),
      );
      const installedProd = isProductionOnly(install.cmd, declaredEnv(ctx, install.ins.index));
      const cd = appDir === ctx.facts.finalWorkdir ? "" : `cd ${appDir} && `;
      const { major } = nodeVersion(ctx.facts.base?.tag ?? "");
      const omitDev = major !== null && major < 15 ? "--production" : "--omit=dev";
      let prune: string | null = null;
      if (!pruned && !installedProd) {
        if (manager === "npm") prune = `npm prune ${omitDev}`;
        else if (manager === "pnpm") prune = "pnpm prune --prod";
        else {
          const lockFlags = install.cmd.args.filter((a) =>
            ["--frozen-lockfile", "--pure-lockfile", "--ignore-engines"].includes(a),
          );
          prune = ["yarn install --production", ...lockFlags].join(" ");
        }
      }
      builderSteps.push({
        line: `RUN ${cd}${prune ? `${prune} && ` : ""}mkdir -p node_modules`,
        why: prune
          ? `\`${prune}\` removes devDependencies (compilers, test tools) so the runtime stage copies production dependencies only; mkdir -p because ${manager} creates no node_modules for a project without dependencies`
          : `devDependencies are already left out; mkdir -p because ${manager} creates no node_modules for a project without dependencies`,
      });
      const add = (name: string, why: string, rule: string, line: number) => {
        const p = posix.join(appDir, name);
        if (!artifacts.some((a) => a.from === p))
          artifacts.push({ from: p, to: p, why, rule, line });
      };
      add(
        "package.json",
        "the project manifest (module type, name) node reads at start",
        "node-manifest",
        copiedFrom(ctx, posix.join(appDir, "package.json")) ?? install.ins.line,
      );
      add(
        "node_modules",
        prune
          ? `production dependencies (devDependencies pruned in the builder)`
          : "production dependencies",
        "node-dependencies",
        install.ins.line,
      );
      add(
        top,
        `the build output \`${entry.command}\` runs from`,
        compiles(compile.cmd)!,
        compile.ins.line,
      );
      // Scripts a health check runs with node, copied from the build context.
      for (const ins of ctx.doc.instructions.filter((i) => i.keyword === "HEALTHCHECK")) {
        const m = /\bCMD\s+(?:\[\s*"?)?(?:node|nodejs)"?\s*,?\s*"?([^\s",\]]+)/.exec(ins.args);
        if (!m) continue;
        const p = resolvePath(ctx.facts.finalWorkdir, m[1]!);
        const r = posix.relative(appDir, p);
        if (r.startsWith("..") || r.split("/")[0] === top) continue;
        add(
          r,
          `the script HEALTHCHECK runs (line ${ins.line})`,
          "node-healthcheck",
          copiedFrom(ctx, p) ?? ins.line,
        );
      }
      notes.push(
        `only package.json, node_modules and ${top}/ reach the runtime stage: files the server reads from ${appDir} at run time (views, public assets, config) must be copied too`,
      );
    }
    const { version } = nodeVersion(ctx.facts.base?.tag ?? "");
    return {
      runtimeClass: "node",
      runtimeWhy:
        "the server runs on Node: the same Node release without compilers and devDependencies",
      imageVars: { version, tag: ctx.facts.base?.tag ?? "latest" },
      artifacts,
      builderOnly,
      builderSteps,
      evidence,
      notes,
    };
  },
};
export default nodeServer;
