// Node/TypeScript servers: dependencies installed with npm/yarn/pnpm/bun, a build step (npm run
// build, tsc, nest/next build), and `node <built file>` at start. The runtime stage is the same
// Node release without the build tools, holding package.json, the production dependencies and the
// build output folder the command runs from. A server started through a package.json script
// (`npm start`), with Yarn 2+ or with Bun keeps its whole project folder (what the script reads is
// not in the Dockerfile), minus devDependencies, and the builder checks the script's programs are
// still there.
import { posix } from "node:path";
import { commands as commandData, matchesCommand } from "../src/data.js";
import {
  allCommands,
  contextCopies,
  entryProgram,
  entryWords,
  lastBuildIndex,
  scoreEcosystem,
} from "../src/artifacts.js";
import { resolvePath } from "../src/parse/shell.js";
import { leave, type Transform, type TransformContext } from "../src/transform.js";
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
const MANAGERS = new Set(["npm", "yarn", "pnpm", "bun"]);
const BUN = /^((\/usr\/local|\/usr)?\/bin\/)?bun$/;
/** Script files bun runs directly (`bun dist/index.js`, `bun run src/server.ts`). */
const SCRIPT_FILE = /\.(m?js|cjs|ts|tsx|jsx|mts)$/;
/** Package manager words that are not script names (`yarn install`, `bun x`). */
const MANAGER_VERBS = new Set(["install", "i", "ci", "add", "x", "exec", "dlx", "node", "test"]);

/**
 * Builder check after devDependencies are pruned: every program the package.json script (and its
 * pre/post scripts, and scripts it runs with `npm run`) starts is a production dependency or a
 * program the runtime image has, else the build fails. Double-quoted for sh: no `$`, backticks or
 * double quotes inside.
 */
function scriptCheck(runner: string, name: string): string {
  const js =
    "const fs=require('fs'),s=require('./package.json').scripts||{};" +
    "const ok=new Set(['node','npm','npx','yarn','pnpm','bun','bunx','sh','exec','env','echo','cd','true','test']);" +
    "const bad=(m)=>{console.error(m);process.exit(1)};" +
    "const run=(n,seen)=>{if(seen.has(n))return;seen.add(n);const c=s[n];" +
    "if(c===undefined){if(n==='start')return;bad('package.json has no script '+n)}" +
    "for(const part of [s['pre'+n],c,s['post'+n]].filter(Boolean).join(' && ').split(/&&|[|][|]|;|[|]/)){" +
    "const w=part.trim().split(/\\s+/).filter((x)=>!/^\\w+=/.test(x)).map((x)=>x.replace(/['\\x22]/g,''));" +
    "const p=w[0]||'';if(!p)continue;" +
    "if(['npm','yarn','pnpm','bun'].includes(p)&&(w[1]==='run'||w[1]==='start')){run(w[1]==='start'?'start':w[2],seen);continue}" +
    "if(!ok.has(p)&&!fs.existsSync('node_modules/.bin/'+p)&&!fs.existsSync(p))" +
    "bad('the '+n+' script runs '+p+', which is not a production dependency nor in the runtime image')}};" +
    `run('${name}',new Set())`;
  return `${runner} -e "${js}"`;
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
  if (BUN.test(words[0] ?? "")) {
    // `bun run <file>` / `bun <file>`: a script file; `bun run start` is a package script.
    const rest = words.slice(1).filter((w) => !w.startsWith("-"));
    const file = rest[0] === "run" ? rest[1] : rest[0];
    return file && SCRIPT_FILE.test(file) ? { script: file, command: words.join(" ") } : null;
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

/** The package.json script a `npm start` / `npm run x` / `yarn x` / `bun run x` command runs. */
function scriptName(ctx: TransformContext): string | null {
  const e = entryProgram(ctx);
  if (!e || !MANAGERS.has(e.program)) return null;
  const a = e.args.filter((w) => !w.startsWith("-"));
  if (a[0] === "start" || a[0] === "restart") return "start";
  if (a[0] === "run" || a[0] === "run-script") return a[1] && !SCRIPT_FILE.test(a[1]) ? a[1] : null;
  if (e.program !== "npm" && a[0] && !MANAGER_VERBS.has(a[0]) && !SCRIPT_FILE.test(a[0]))
    return a[0];
  return null;
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
  if (cmd.name === "pnpm" || cmd.name === "bun") return verb === "install" || verb === "i";
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
  if (cmd.name === "bun") return isInstall(cmd) && (omitDev || a.includes("-p"));
  if (cmd.name === "yarn" && a[0] === "workspaces" && a[1] === "focus")
    return a.includes("--production");
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

/** The slim tag of the builder's Bun release: `1.1`/`1.1-debian` → `1.1-slim`, `latest` → `slim`. */
function bunSlim(ctx: TransformContext): string {
  const v = (ctx.facts.base?.tag ?? "").replace(/-(debian|slim|distroless)$/, "");
  return v === "" || v === "latest" ? "slim" : `${v}-slim`;
}

const nodeServer: Transform = {
  id: "node-server",
  describe:
    "Node/TypeScript servers built with npm/yarn/pnpm/bun and started with `node <built file>` or a package.json script",
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
    const scriptRun = entry ? null : scriptName(ctx);
    if (!entry && !scriptRun)
      return leave(
        "artifact-unknown",
        `the image runs \`${packageScript(ctx)}\`: which package.json script it starts is not clear`,
      );
    const family = ctx.facts.baseInfo?.family;
    if (family !== "node" && family !== "bun")
      return leave(
        "unsupported",
        `Node does not come from the node (or oven/bun) image (${ctx.facts.base?.ref}): the release to run on is unknown`,
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
    const copied = contextCopies(ctx).flatMap((c) => c.sources.map((x) => x.replace(/\/$/, "")));
    const berry =
      manager === "yarn" &&
      (install.cmd.args.some((a) => a === "--immutable" || a === "--immutable-cache") ||
        copied.some((x) => /(^|\/)(\.yarnrc\.yml|\.yarn)$/.test(x)));
    if (berry && copied.some((x) => /(^|\/)\.pnp\.c?js$/.test(x)))
      return leave(
        "unsupported",
        "Yarn Plug'n'Play (.pnp.cjs copied): its packages may sit in a global cache outside the project, so what the runtime needs is not known",
        install.ins.line,
      );
    if (berry)
      evidence.push({
        rule: "yarn-berry",
        match: install.cmd.text,
        why: "Yarn 2+ (--immutable or .yarnrc.yml/.yarn copied): production dependencies come from `yarn workspaces focus --production`",
      });
    const compile = cmds.find(({ cmd }) => compiles(cmd))!;
    const wholeFolder = !entry || berry;
    const { major } = nodeVersion(ctx.facts.base?.tag ?? "");
    const omitDev = major !== null && major < 15 ? "--production" : "--omit=dev";
    const pruneCommand = (): string => {
      if (berry)
        return "yarn workspaces focus --all --production && (test -d node_modules || test ! -e .pnp.cjs) && rm -rf .yarn/cache";
      if (manager === "npm") return `npm prune ${omitDev}`;
      if (manager === "pnpm") return "pnpm prune --prod";
      if (manager === "bun") {
        const frozen = install.cmd.args.includes("--frozen-lockfile") ? " --frozen-lockfile" : "";
        return `rm -rf node_modules && bun install --production${frozen}`;
      }
      const lockFlags = install.cmd.args.filter((a) =>
        ["--frozen-lockfile", "--pure-lockfile", "--ignore-engines"].includes(a),
      );
      return ["yarn install --production", ...lockFlags].join(" ");
    };
    const lastBuild = lastBuildIndex(ctx);
    const builderOnly = ctx.doc.instructions
      .filter(
        (i): i is InstructionNode =>
          i.index > lastBuild &&
          i.keyword === "RUN" &&
          i.commands.length > 0 &&
          i.commands.every((c) => MANAGERS.has(c.name) || c.name === "npx" || c.name === "cd"),
      )
      .map((i) => i.index);
    const { version } = nodeVersion(ctx.facts.base?.tag ?? "");
    const runtime = {
      runtimeClass: family === "bun" ? "bun" : "node",
      runtimeWhy:
        family === "bun"
          ? "the server runs on Bun: the same Bun release, slim, without devDependencies"
          : "the server runs on Node: the same Node release without compilers and devDependencies",
      imageVars: { version, tag: ctx.facts.base?.tag ?? "latest", slim: bunSlim(ctx) },
    };

    if (wholeFolder) {
      // What the script (or a Yarn 2+ install) needs from the project is not in the Dockerfile:
      // the whole project folder goes over, without devDependencies.
      const pruned = cmds.some(
        ({ ins, cmd }) =>
          cmd.offset > install.cmd.offset && isProductionOnly(cmd, declaredEnv(ctx, ins.index)),
      );
      const installedProd = isProductionOnly(install.cmd, declaredEnv(ctx, install.ins.index));
      const cd = appDir === ctx.facts.finalWorkdir ? "" : `cd ${appDir} && `;
      const steps: string[] = [];
      if (!pruned && !installedProd) steps.push(pruneCommand());
      if (scriptRun) steps.push(scriptCheck(family === "bun" ? "bun" : "node", scriptRun));
      const why: string[] = [];
      if (!pruned && !installedProd)
        why.push(
          `\`${pruneCommand()}\` removes devDependencies (compilers, test tools) so the runtime stage copies production dependencies only${berry ? "; a Plug'n'Play install (no node_modules) fails the build there, and the package cache, not needed with node_modules, is dropped" : ""}`,
        );
      if (scriptRun)
        why.push(
          `the check fails the build if the \`${scriptRun}\` script (or its pre/post scripts) runs a program that is neither a production dependency nor in the runtime image`,
        );
      const started = entry ? `\`${entry.command}\`` : `the \`${scriptRun}\` script`;
      evidence.push({
        rule: compiles(compile.cmd)!,
        match: compile.cmd.text.slice(0, 100),
        why: `the build runs in ${appDir}; ${started} starts from it`,
      });
      return {
        ...runtime,
        artifacts: [
          {
            from: appDir,
            to: appDir,
            why: `the project folder: package.json, production dependencies, the build output and whatever ${started} reads, none of which the Dockerfile names`,
            rule: scriptRun ? "package-script" : "yarn-berry",
            line: compile.ins.line,
          },
        ],
        builderOnly,
        builderSteps: steps.length
          ? [{ line: `RUN ${cd}${steps.join(" && ")}`, why: why.join("; ") }]
          : [],
        evidence,
        notes: [
          `the whole ${appDir} is copied (sources included): ${started} decides which files it reads, and package.json is not part of the Dockerfile`,
        ],
      };
    }

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
    evidence.push({
      rule: compiles(compile.cmd)!,
      match: compile.cmd.text.slice(0, 100),
      why: `the build writes ${posix.join(appDir, top)}, which \`${entry.command}\` runs from`,
    });

    // Steps after the build that run the package manager (prisma generate, prune, cache clean)
    // belong to the builder (builderOnly): their results reach the runtime through node_modules.
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
      const prune = !pruned && !installedProd ? pruneCommand() : null;
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
    return {
      ...runtime,
      artifacts,
      builderOnly,
      builderSteps,
      evidence,
      notes,
    };
  },
};
export default nodeServer;
