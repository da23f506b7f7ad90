// Front-ends built with Node from the OS's packages and served by a web server of the same image:
// `apt-get install nodejs npm nginx`, `npm run build`, `cp -r build/* /var/www/html`, CMD nginx
// (also apache2, lighttpd, Alpine's apk, and the nginx image with Node installed, used and removed
// in one RUN). The runtime stage is the same image: the server's packages are installed again
// without Node, and it gets the folders the build filled (and the server's configuration when a
// step before the build changed it). Node, the sources and node_modules stay in the builder.
import { posix } from "node:path";
import { expand, readImageRef } from "../src/analyse.js";
import {
  contextCopies,
  copyTargets,
  covers,
  entryProgram,
  envAt,
  lastBuildIndex,
  scoreEcosystem,
} from "../src/artifacts.js";
import {
  commands as commandData,
  familyOf,
  findMatcher,
  packages,
  type WebServer,
} from "../src/data.js";
import { notAnd, removedPackages, SCRATCH } from "../src/chain.js";
import { redirectFiles, resolvePath } from "../src/parse/shell.js";
import { leave, type Transform, type TransformContext } from "../src/transform.js";
import type { ArtifactCopy, InstructionNode, ShellCommand } from "../src/types.js";

const NODE_TOOLS = new Set(["npm", "npx", "yarn", "yarnpkg", "pnpm", "node", "nodejs", "corepack"]);
const PACKAGE_TOOLS = new Set(["apt-get", "apt", "aptitude", "apk"]);
/** Commands that change no file (tests, shell set-up, printing without a redirect). */
const NEUTRAL = new Set([
  "set",
  "cd",
  "export",
  "true",
  ":",
  "[",
  "[[",
  "test",
  "echo",
  "printf",
  "ls",
  "cat",
  "nproc",
]);
/** Commands that write the paths they name. */
const FILE_COMMANDS = new Set([
  "cp",
  "mv",
  "install",
  "rsync",
  "mkdir",
  "rm",
  "chmod",
  "touch",
  "ln",
  "sed",
  "tee",
]);
const COPY_COMMANDS = new Set(["cp", "mv", "install", "rsync"]);
/** The servers' own configuration tools: they change only the server's configuration folder. */
const CONFIG_COMMANDS = new Set(commandData.serverConfigCommands);
/** The web server the image starts, and where it comes from (the base image, or a package). */
function webServer(ctx: TransformContext): { server: WebServer; from: string } | null {
  const info = ctx.facts.baseInfo;
  if (!info || info.shell === false) return null;
  const osImage =
    info.kind === "os" && ["debian", "ubuntu", "alpine"].includes(info.distro) ? true : false;
  const serverImage = info.kind === "server";
  if (!osImage && !serverImage) return null;
  let e = entryProgram(ctx);
  // No command of its own: the server image's default command (nginx -g 'daemon off;').
  if (!e && !ctx.facts.entrypoint && !ctx.facts.cmd && info.cmd)
    e = { program: info.cmd[0]!, args: info.cmd.slice(1) };
  if (!e) return null;
  const server = findMatcher(commandData.webServers, e.program, e.args);
  if (!server) return null;
  if (serverImage && server.images.includes(info.family))
    return { server, from: `the ${info.family} image` };
  const installed = ctx.facts.lines
    .flatMap((l) => l.packages)
    .flatMap((p) => p.names)
    .find((n) => server.packages.includes(n));
  return installed && osImage ? { server, from: `the OS package ${installed}` } : null;
}

/** The paths a file command writes (as written). */
function writtenPaths(cmd: ShellCommand): string[] | null {
  const b = posix.basename(cmd.name);
  const words = cmd.args.filter((a) => !a.startsWith("-"));
  if (COPY_COMMANDS.has(b)) {
    const t = cmd.args.findIndex((a) => a === "-t" || a === "--target-directory");
    if (t !== -1) return cmd.args[t + 1] ? [cmd.args[t + 1]!] : null;
    const eq = cmd.args.find((a) => a.startsWith("--target-directory="));
    if (eq) return [eq.slice("--target-directory=".length)];
    return words.length >= 2 ? [words[words.length - 1]!] : null;
  }
  if (b === "chmod") return words.slice(1);
  if (b === "ln") return words.length >= 2 ? [words[words.length - 1]!] : ["."];
  if (b === "sed") {
    if (!cmd.args.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith("--in-place"))) return [];
    const script = cmd.args.includes("-e") || cmd.args.some((a) => a.startsWith("--expression"));
    const operands = cmd.args.filter(
      (a, i) => !a.startsWith("-") && !["-e", "--expression"].includes(cmd.args[i - 1] ?? ""),
    );
    return script ? operands : operands.slice(1);
  }
  return words;
}

const staticSite: Transform = {
  id: "static-site",
  describe:
    "Front-ends built with Node from the OS's packages and served by a web server of the same image (nginx, apache2, lighttpd): the same image without Node at run time",
  detect(ctx) {
    const found = webServer(ctx);
    if (!found) return null;
    const { score, evidence } = scoreEcosystem(ctx, "node", []);
    if (!evidence.some((e) => e.why === "node build step")) return null;
    evidence.push({
      rule: "web-server",
      match: found.server.config,
      why: `the image runs a web server from ${found.from}`,
    });
    return { ecosystem: "static-site", score: score + 2, evidence };
  },
  plan(ctx) {
    const { doc, facts } = ctx;
    const base = facts.base!;
    const found = webServer(ctx)!;
    const config = found.server.config;
    const lastBuild = lastBuildIndex(ctx);
    const env = envAt(ctx, lastBuild + 1);
    const manager = facts.packageManager ?? (facts.baseInfo?.distro === "alpine" ? "apk" : "apt");
    const nodePackages = packages.frontendToolchain[manager] ?? [];
    const notes: string[] = [];

    // The folders the sources are built in: every Node command's working directory.
    const nodeCommands = doc.instructions
      .filter((i) => i.keyword === "RUN" && i.index <= lastBuild)
      .flatMap((i) => i.commands.filter((c) => NODE_TOOLS.has(c.name)).map((c) => ({ i, c })));
    const sources = [...new Set(nodeCommands.map(({ c }) => c.cwd))];
    const root = nodeCommands.find(({ c }) => c.cwd === "/" || c.cwd.includes("$"));
    if (root)
      return leave(
        "artifact-unknown",
        `line ${root.i.line} builds in ${root.c.cwd}: the sources cannot be told from the image's own files`,
        root.i.line,
      );
    const firstBuild = facts.lines.find((l) =>
      l.evidence.some((e) => e.why === "node build step"),
    )!;

    // What the build placed: the destinations of the copies after the Node build.
    const artifacts: ArtifactCopy[] = [];
    for (const l of facts.lines) {
      if (l.role !== "artifact" || l.index < firstBuild.index || l.index > lastBuild) continue;
      for (const p of l.produces) {
        const path = p.endsWith("/*") ? p.slice(0, -2) : p;
        if (path.includes("$") || path === "" || path === "/")
          return leave(
            "artifact-unknown",
            `line ${l.line} copies the build output to ${p}, which is not a known folder`,
            l.line,
          );
        if (sources.some((s) => covers(path, s)))
          return leave(
            "artifact-unknown",
            `line ${l.line} copies into ${path}, which holds the sources the build ran in`,
            l.line,
          );
        if (artifacts.some((a) => covers(a.from, path))) continue;
        artifacts.push({
          from: path,
          to: path,
          why: `the built files line ${l.line} placed, which ${posix.basename(found.server.config)} serves`,
          rule: "web-root",
          line: l.line,
        });
      }
    }
    if (artifacts.length === 0)
      return leave(
        "artifact-unknown",
        `no step copies the built front-end to the folder the web server serves (a cp/mv after line ${firstBuild.line}): what to copy is unknown`,
        firstBuild.line,
      );

    const configChanged: number[] = [];
    const place = (p: string, line: number): "ok" | "config" | "elsewhere" => {
      if (artifacts.some((a) => covers(a.from, p))) return "ok";
      if (covers(config, p)) {
        if (!configChanged.includes(line)) configChanged.push(line);
        return "config";
      }
      if (SCRATCH.test(p) || sources.some((s) => covers(s, p))) return "ok";
      return "elsewhere";
    };

    // Files copied from the build context before the build: the sources stay in the builder; the
    // server's configuration comes with its folder; anything else is taken from the builder.
    const extra: ArtifactCopy[] = [];
    for (const c of [...contextCopies(ctx), ...imageCopies(ctx)]) {
      if (c.index > lastBuild) continue;
      const targets = copyTargets(c);
      for (const t of targets) {
        if (t.includes("$") || t === "/")
          return leave(
            "artifact-unknown",
            `line ${c.line} copies into ${t} before the build: which of those files the server needs is unknown`,
            c.line,
          );
        if (sources.some((s) => covers(t, s))) continue; // the sources (or a folder holding them)
        if (place(t, c.line) !== "elsewhere") continue;
        if (!extra.some((a) => a.from === t))
          extra.push({
            from: t,
            to: t,
            why: `copied ${ctx.doc.instructions[c.index]!.flags["from"] ? `from ${ctx.doc.instructions[c.index]!.flags["from"]}` : "from the build context"} by line ${c.line}`,
            rule: "context-file",
            line: c.line,
          });
      }
    }

    // Every step that stays in the builder must change nothing the runtime stage does not get.
    const builderOnly: number[] = [];
    const carriedWrites: { ins: InstructionNode; paths: string[] }[] = [];
    const removed = new Set<string>();
    for (const ins of doc.instructions) {
      if (ins.keyword !== "RUN" || ins.index > lastBuild) continue;
      const role = facts.lines[ins.index]!.role;
      const installsNode = facts.lines[ins.index]!.packages.some((p) =>
        p.names.some((n) => nodePackages.includes(n)),
      );
      const installs = facts.lines[ins.index]!.packages.some((p) => p.names.length > 0);
      if (role === "runtime-setup" && installs && !installsNode) {
        // The runtime stage installs these packages itself, before it empties the served folders
        // (a replayed install would run after that and put the package's defaults back).
        const other = ins.commands.find(
          (c) =>
            c.name &&
            !PACKAGE_TOOLS.has(c.name) &&
            !NEUTRAL.has(c.name) &&
            !(c.name === "rm" && (writtenPaths(c) ?? []).every((p) => SCRATCH.test(p))),
        );
        if (other)
          return leave(
            "unsupported",
            `line ${ins.line} installs packages and also runs \`${other.text.slice(0, 60)}\`: the runtime stage installs the packages before it empties the served folders, and cannot repeat the rest in that order`,
            ins.line,
          );
        builderOnly.push(ins.index);
        continue;
      }
      // Links that put Node's tools on PATH (`ln -s …/npm-cli.js /usr/local/bin/npm`): the toolchain.
      const linksNode =
        ins.commands.length > 0 &&
        ins.commands.every((c) => {
          const words = c.args.filter((a) => !a.startsWith("-"));
          return c.name === "ln" && NODE_TOOLS.has(posix.basename(words[words.length - 1] ?? ""));
        });
      if (role === "runtime-setup" && linksNode) {
        builderOnly.push(ins.index);
        continue;
      }
      if (role === "runtime-setup" && !installsNode) {
        // Replayed in the runtime stage: what it writes is checked against the copies below.
        const paths = ins.commands.flatMap((c) => {
          const b = posix.basename(c.name);
          const written = FILE_COMMANDS.has(b) ? (writtenPaths(c) ?? []) : [];
          return [...written, ...redirectFiles(c.text)].map((p) =>
            resolvePath(c.cwd, expand(p, { ...env, ...c.assignments })),
          );
        });
        carriedWrites.push({ ins, paths });
        continue;
      }
      if (role === "runtime-setup") {
        // Node installed with the server: the runtime stage installs the server alone.
        const other = ins.commands.find((c) => !PACKAGE_TOOLS.has(c.name) && c.name !== "rm");
        if (other)
          return leave(
            "unsupported",
            `line ${ins.line} installs Node and also runs \`${other.text.slice(0, 60)}\`: the runtime stage cannot repeat it without Node`,
            ins.line,
          );
        builderOnly.push(ins.index);
      }
      const blocker = checkRun(ins, place, env, config);
      if (blocker) return leave("unsupported", blocker, ins.line);
      for (const c of ins.commands) for (const n of removedPackages(c) ?? []) removed.add(n);
    }

    // The server's configuration, changed before the build: copied whole from the builder when a
    // file of the build context went into it; changed by edits only, those RUNs run again in the
    // runtime stage (which installs the same packages) when they do nothing else.
    const afterCopySteps: string[] = [];
    const configLines = configChanged
      .map((line) => facts.lines.find((l) => l.line === line)!)
      .sort((a, b) => a.index - b.index);
    const copiedIn = configLines.find((l) => l.role === "context-copy");
    if (copiedIn) {
      artifacts.push({
        from: config,
        to: config,
        why: `the server's configuration as line${configLines.length > 1 ? "s" : ""} ${configLines.map((l) => l.line).join(", ")} left it`,
        rule: "web-server-config",
        line: copiedIn.line,
      });
    } else {
      for (const l of configLines) {
        const ins = doc.instructions[l.index]!;
        const mixed = ins.commands.find(
          (c) =>
            c.name &&
            !CONFIG_COMMANDS.has(posix.basename(c.name)) &&
            !NEUTRAL.has(posix.basename(c.name)) &&
            !(
              FILE_COMMANDS.has(posix.basename(c.name)) &&
              !COPY_COMMANDS.has(posix.basename(c.name))
            ),
        );
        const outside = ins.commands.some((c) =>
          [
            ...(FILE_COMMANDS.has(posix.basename(c.name)) ? (writtenPaths(c) ?? []) : []),
            ...redirectFiles(c.text),
          ]
            .map((p) => resolvePath(c.cwd, expand(p, { ...env, ...c.assignments })))
            .some((p) => !covers(config, p)),
        );
        if (mixed || outside) {
          const edit = ins.commands.find((c) =>
            [
              ...(CONFIG_COMMANDS.has(posix.basename(c.name)) ? [config] : []),
              ...(FILE_COMMANDS.has(posix.basename(c.name)) ? (writtenPaths(c) ?? []) : []),
              ...redirectFiles(c.text),
            ].some((p) =>
              covers(config, resolvePath(c.cwd, expand(p, { ...env, ...c.assignments }))),
            ),
          );
          return leave(
            "unsupported",
            `line ${l.line} changes the server's configuration (${config}${edit ? `: \`${edit.text.slice(0, 60)}\`` : ""}) in a RUN that does more${mixed ? ` (\`${mixed.text.slice(0, 60)}\`)` : ""}: the runtime stage can neither copy that change alone nor repeat the RUN without Node`,
            l.line,
          );
        }
        afterCopySteps.push(`RUN ${ins.args.trim()}`);
        notes.push(
          `line ${l.line} (${ins.args.trim().slice(0, 60)}) is run again in the runtime stage`,
        );
      }
    }
    // The runtime stage's package install (or the image) fills the served folders and the
    // configuration with its defaults; the build removed or replaced some of them. Cleared first,
    // the copies leave exactly what the builder has (a copy only adds to a folder).
    const cleared = artifacts.map((a) => a.to);
    const unsafe = cleared.find((p) => !/^[\w./+@%-]+$/.test(p));
    if (unsafe)
      return leave(
        "artifact-unknown",
        `the folder ${unsafe} cannot be named in a shell command safely`,
      );
    // A replayed setup step that writes into a folder the runtime stage empties and copies would
    // find it gone: it stays in the builder, whose result the copy brings.
    for (const { ins, paths } of carriedWrites) {
      const into = paths.filter((p) => cleared.some((d) => covers(d, p)));
      if (into.length === 0) continue;
      if (into.length < paths.length || ins.commands.some((c) => PACKAGE_TOOLS.has(c.name)))
        return leave(
          "unsupported",
          `line ${ins.line} writes ${into[0]}, which the runtime stage copies from the builder, and does more: it can neither be repeated nor left to the copy`,
          ins.line,
        );
      builderOnly.push(ins.index);
    }
    artifacts.push(...extra);

    // Packages installed only for the build, or removed again: the runtime stage does without.
    const installedHere = new Set(facts.lines.flatMap((l) => l.packages.flatMap((p) => p.names)));
    const baseRemovals = [...removed].filter((n) => !installedHere.has(n));
    if (baseRemovals.length)
      notes.push(
        `the build removes ${baseRemovals.join(", ")}, which ${base.ref} has: the runtime stage, built on ${base.ref} again, keeps ${baseRemovals.length > 1 ? "them" : "it"}`,
      );
    notes.push(
      `${cleared.join(", ")} ${cleared.length > 1 ? "are" : "is"} emptied in the runtime stage before the copy, so ${cleared.length > 1 ? "they hold" : "it holds"} what the builder left there and no package default the build removed`,
    );
    notes.push(
      `the runtime stage starts from ${base.ref} again with ${found.from}: Node (${nodePackages.filter((n) => installedHere.has(n)).join(", ") || "its tools"}), the sources and node_modules stay in the builder`,
    );
    return {
      runtimeClass: "web-server",
      runtimeWhy: `the same image serves the built files with ${found.from}, without Node`,
      imageVars: { image: base.ref },
      artifacts,
      builderOnly,
      builderOnlyPackages: [...nodePackages, ...removed],
      extraSteps: [`RUN rm -rf ${cleared.join(" ")}`],
      ...(afterCopySteps.length ? { afterCopySteps } : {}),
      needsShell: true,
      evidence: [
        {
          rule: "web-root",
          match: artifacts[0]!.from,
          why: `the front-end is built with Node and served from ${artifacts[0]!.from}`,
        },
      ],
      notes,
    };
  },
};

/**
 * Why a builder-only RUN cannot stay in the builder alone (it changes what the runtime stage
 * would not get), or null. A RUN that builds, places the output and removes Node again must be a
 * plain `&&` chain with no Node command after the removal.
 */
function checkRun(
  ins: InstructionNode,
  place: (p: string, line: number) => "ok" | "config" | "elsewhere",
  env: Record<string, string>,
  config: string,
): string | null {
  const cmds = ins.commands;
  const removal = cmds.findIndex((c) => (removedPackages(c)?.length ?? 0) > 0);
  const builds = cmds.some((c) => NODE_TOOLS.has(c.name));
  if (removal !== -1 && builds) {
    const joint = notAnd(sourceOf(ins), cmds);
    if (joint)
      return `line ${ins.line} installs, builds and removes in one RUN that is not a plain \`&&\` chain: \`${joint.after.text.slice(0, 60)}\` is followed by \`${joint.joint.slice(0, 20) || "(nothing)"}\`, so where the build ends is not clear`;
    const late = cmds.slice(removal + 1).find((c) => NODE_TOOLS.has(c.name));
    if (late)
      return `line ${ins.line} runs \`${late.text.slice(0, 60)}\` after \`${cmds[removal]!.text.slice(0, 60)}\` removes packages: the chain cannot be split there`;
  }
  for (const c of cmds) {
    const b = posix.basename(c.name);
    if (!c.name) continue; // assignments only
    const vars = { ...env, ...c.assignments };
    const targets = redirectFiles(c.text);
    let paths: string[] = targets;
    if (PACKAGE_TOOLS.has(b) || NODE_TOOLS.has(b) || NEUTRAL.has(b)) paths = targets;
    else if (CONFIG_COMMANDS.has(b)) paths = [config, ...targets];
    else if (FILE_COMMANDS.has(b)) {
      const written = writtenPaths(c);
      if (!written)
        return `line ${ins.line} runs \`${c.text.slice(0, 60)}\`, whose destination is not clear`;
      paths = [...written, ...targets];
    } else
      return `line ${ins.line} runs \`${c.text.slice(0, 60)}\` in the builder only: what it changes in the image is not known, and the runtime stage would not have it`;
    for (const p of paths) {
      const abs = resolvePath(c.cwd, expand(p, vars));
      if (abs.includes("$"))
        return `line ${ins.line} runs \`${c.text.slice(0, 60)}\`, which writes ${p}: a path not known statically`;
      if (place(abs, ins.line) === "elsewhere")
        return `line ${ins.line} runs \`${c.text.slice(0, 60)}\`, which changes ${abs} in the builder only: the runtime stage would not have the change`;
    }
  }
  return null;
}

/**
 * `COPY --from=<image>` before the build (Node from the node image, a module from another image):
 * like a copy from the context, what it brings outside the sources is taken from the builder.
 */
function imageCopies(
  ctx: TransformContext,
): { index: number; line: number; dest: string; sources: string[] }[] {
  return (
    ctx.doc.instructions
      .filter((i) => (i.keyword === "COPY" || i.keyword === "ADD") && i.flags["from"])
      // Node itself taken from a node image is the build's toolchain: the builder keeps it.
      .filter((i) => familyOf(readImageRef(i.flags["from"]!).name)?.ecosystem !== "node")
      .flatMap((ins) => {
        const words = ins.exec ?? ins.args.split(/\s+/).filter((w) => !w.startsWith("--"));
        if (words.length < 2) return [];
        const workdir = ctx.facts.lines[ins.index]?.workdir ?? "/";
        const dest = words[words.length - 1]!;
        return [
          {
            index: ins.index,
            line: ins.line,
            dest:
              resolvePath(workdir, dest).replace(/\/$/, "") +
              (dest.endsWith("/") || dest === "." ? "/" : ""),
            sources: words.slice(0, -1),
          },
        ];
      })
  );
}

/** The RUN's text as the command offsets see it: the instruction padded to its file offset. */
function sourceOf(ins: InstructionNode): string {
  return " ".repeat(ins.start) + ins.raw;
}

export default staticSite;
