// PHP applications on the official php images (and images built on them): Composer installs
// vendor/ and extensions are compiled with docker-php-ext-install, pecl or phpize on top of the
// image, with compilers and -dev packages. The runtime stage is the very same image: it gets the
// application folder with vendor/, the compiled extensions with their ini files, and the runtime
// libraries of the -dev packages; Composer, compilers and headers stay in the builder.
import { posix } from "node:path";
import { expand } from "../src/analyse.js";
import {
  addPlacedOutputs,
  allCommands,
  contextCopies,
  copyTargets,
  covers,
  envAt,
  lastBuildIndex,
  option,
  scoreEcosystem,
} from "../src/artifacts.js";
import { commands as commandData, matchesCommand } from "../src/data.js";
import { redirectTargets, resolvePath } from "../src/parse/shell.js";
import { leave, type Transform, type TransformContext } from "../src/transform.js";
import { releaseNote } from "./ruby.js";
import type { ArtifactCopy, Evidence, InstructionNode, ShellCommand } from "../src/types.js";

/** Where the official images keep compiled extensions (one folder per PHP API version inside). */
const EXT_DIR = "/usr/local/lib/php/extensions";
/** Where Debian's and Ubuntu's PHP packages keep them (/usr/lib/php/<API version>/). */
const OS_EXT_DIR = "/usr/lib/php";
const COMPILERS = ["build-essential", "gcc", "g++", "make", "build-base", "autoconf"];
/** Commands that may run in a builder-only RUN before the last build step without changing the
 * image outside what the runtime stage copies (the app folder, the extensions, their ini files). */
const BUILD_ONLY_COMMANDS = new Set([
  "apt-get",
  "apt",
  "apk",
  "yum",
  "dnf",
  "rm",
  "set",
  "cd",
  "export",
  "true",
  "docker-php-ext-install",
  "docker-php-ext-configure",
  "docker-php-ext-enable",
  "docker-php-source",
  "pecl",
  "phpize",
  "./configure",
  "configure",
  "make",
  "composer",
  "composer.phar",
  "php",
  "curl",
  "wget",
  "ls",
  "nproc",
  // tests change nothing
  "[",
  "[[",
  "test",
]);
/** Commands that only read and print. */
const READ_ONLY_COMMANDS = new Set(["grep", "cat", "head", "tail", "wc", "ls"]);
/** `php` options that print information and run nothing. */
const PHP_INFO_FLAGS = new Set(["-v", "--version", "-i", "--info", "-m", "--modules"]);
/** Commands that write files: fine in the builder when they write only what the runtime copies. */
const FILE_COMMANDS = new Set([
  "echo",
  "printf",
  "mkdir",
  "chown",
  "chmod",
  "mv",
  "cp",
  "touch",
  "ln",
  "git",
  "sed",
  "tee",
  "tar",
  "unzip",
]);
/** Composer commands that change only the project folder (or nothing). */
const COMPOSER_VERBS = new Set([
  "install",
  "update",
  "require",
  "remove",
  "dump-autoload",
  "dumpautoload",
  "dump-env",
  "config",
  "clear-cache",
  "clearcache",
  "diagnose",
  "validate",
  "check-platform-reqs",
  "self-update",
  "selfupdate",
  "run-script",
  "run",
]);
/** Where a build may put Composer itself: the runtime stage does without it. */
const COMPOSER_BINARY = /\/composer(\.phar)?$/;
/** Scratch places of a build: what is written there is not part of the application. */
const SCRATCH = /^\/(tmp|usr\/src|var\/lib\/apt|var\/cache|root\/\.composer|root\/\.cache)(\/|$)/;
/** Composer or an extension build in the command the image runs. */
/** Apache configuration commands (data/commands.yaml serverConfigCommands): a RUN of only these
 * is run again in the runtime stage (the same image), after the copies, as it ran after them. */
const REPLAYABLE = new Set(commandData.serverConfigCommands);
const BUILD_AT_START =
  /\b(composer(\.phar)?\s+(install|update|require)|docker-php-ext-install|pecl\s+install|phpize)\b/;

type Step = { ins: InstructionNode; cmd: ShellCommand; rule: string };

function phpSteps(ctx: TransformContext): Step[] {
  return allCommands(ctx).flatMap(({ ins, cmd }) => {
    const rule = commandData.rules.find(
      (r) => r.ecosystem === "php" && matchesCommand(r, cmd.name, cmd.args),
    );
    return rule ? [{ ins, cmd, rule: rule.id }] : [];
  });
}

/** Extension names of `docker-php-ext-install -j4 intl pdo_mysql` / `docker-php-ext-enable x`. */
function extNames(cmd: ShellCommand): string[] {
  const out: string[] = [];
  for (let i = 0; i < cmd.args.length; i++) {
    const a = cmd.args[i]!;
    if (a === "-j" || a === "--ini-name") {
      i++;
      continue;
    }
    if (a.startsWith("-")) continue;
    out.push(posix.basename(a));
  }
  return out;
}

/** Does a file command touch only paths the runtime stage copies (or build scratch)? */
function writesOnlyCopied(
  cmd: ShellCommand,
  artifacts: ArtifactCopy[],
  env: Record<string, string>,
  scratch = true,
): boolean {
  const copied = (p: string) =>
    (scratch && (SCRATCH.test(p) || COMPOSER_BINARY.test(p))) ||
    artifacts.some((a) => covers(a.from, p));
  const redirect = redirectTargets(cmd.text).map((r) => r.path);
  // echo/printf print their words; other commands take them as paths (relative to the cwd).
  const words =
    cmd.name === "echo" || cmd.name === "printf"
      ? []
      : cmd.args.filter((a) => !a.startsWith("-") && !/^[a-z]+:\/\//.test(a));
  const abs = [...words, ...redirect].map((p) =>
    resolvePath(cmd.cwd, expand(p, { ...env, ...cmd.assignments })),
  );
  return abs.every(copied);
}

/** PHP from the OS's own packages (`apt-get install php8.3-fpm`) on a plain Debian/Ubuntu image. */
function osPhp(ctx: TransformContext): boolean {
  const info = ctx.facts.baseInfo;
  if (info?.kind !== "os" || (info.distro !== "debian" && info.distro !== "ubuntu")) return false;
  return allCommands(ctx).some(
    ({ cmd }) =>
      /^apt(-get)?$/.test(cmd.name) &&
      cmd.args.includes("install") &&
      cmd.args.some((a) => /^php(\d+(\.\d+)?)?(-cli|-fpm)?$/.test(a)),
  );
}

/** Tests and conditionals around an edit: they change nothing themselves. */
const EDIT_GUARDS = new Set(["[", "[[", "test", "true", "nproc"]);

/**
 * A RUN that only edits configuration files in place (`sed -i`, `echo … >>`), each outside what the
 * runtime stage copies from the builder and outside build scratch, and under /etc.
 */
function configEditOnly(
  ins: InstructionNode,
  artifacts: ArtifactCopy[],
  env: Record<string, string>,
): boolean {
  if (ins.commands.length === 0) return false;
  let edits = 0;
  for (const cmd of ins.commands) {
    const b = posix.basename(cmd.name);
    if (EDIT_GUARDS.has(b)) continue;
    let files: string[];
    if (b === "sed") {
      if (!cmd.args.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith("--in-place"))) return false;
      const script = cmd.args.includes("-e") || cmd.args.some((a) => a.startsWith("--expression"));
      const operands = cmd.args.filter(
        (a, i) => !a.startsWith("-") && !["-e", "--expression"].includes(cmd.args[i - 1] ?? ""),
      );
      files = script ? operands : operands.slice(1);
    } else if (b === "echo" || b === "printf") {
      files = redirectTargets(cmd.text)
        .filter((r) => r.append)
        .map((r) => r.path);
      if (files.length === 0 || /[^>]>[^>]/.test(cmd.text.replace(/>>/g, ""))) return false;
    } else return false;
    const paths = files.map((f) => resolvePath(cmd.cwd, expand(f, { ...env, ...cmd.assignments })));
    if (
      paths.length === 0 ||
      paths.some(
        (p) =>
          p.includes("$") ||
          !p.startsWith("/etc/") ||
          SCRATCH.test(p) ||
          artifacts.some((a) => covers(a.from, p)),
      )
    )
      return false;
    edits++;
  }
  return edits > 0;
}

const php: Transform = {
  id: "php",
  describe:
    "PHP applications on php images: Composer vendor/ and compiled extensions built in the builder, same image at run time",
  detect(ctx) {
    if (ctx.facts.baseInfo?.family !== "php" && !osPhp(ctx)) return null;
    const steps = phpSteps(ctx).filter((s) => s.rule !== "php-artisan" && s.rule !== "php-console");
    if (steps.length === 0) return null;
    const { score, evidence } = scoreEcosystem(ctx, "php", COMPILERS);
    if (score === 0) return null;
    // PHP from the OS's packages counts as the php image would (the same toolchain-image weight).
    if (ctx.facts.baseInfo?.family !== "php") {
      evidence.push({
        rule: "php-os-packages",
        match: ctx.facts.base?.ref ?? "",
        why: "PHP is installed from the OS's own packages",
      });
      return { ecosystem: "php", score: score + 2, evidence };
    }
    return { ecosystem: "php", score, evidence };
  },
  plan(ctx) {
    const base = ctx.facts.base!;
    const evidence: Evidence[] = [];
    const notes: string[] = [];
    const steps = phpSteps(ctx);
    const composer = steps.filter((s) => s.rule === "composer-install");
    const extBuilds = steps.filter((s) =>
      ["php-ext-install", "pecl-install", "phpize"].includes(s.rule),
    );
    if (composer.length === 0 && extBuilds.length === 0)
      return leave(
        "nothing-built",
        "no Composer install and no extension is compiled: nothing to split",
      );

    for (const spec of [ctx.facts.entrypoint, ctx.facts.cmd]) {
      const m = spec ? BUILD_AT_START.exec(spec.raw) : null;
      if (m)
        return leave(
          "toolchain-at-runtime",
          `the image runs \`${m[0]}\` at start, which needs the builder's tools`,
        );
    }
    const lastBuild = lastBuildIndex(ctx);
    const env = envAt(ctx, lastBuild + 1);
    const iniDir = posix.join(env["PHP_INI_DIR"] ?? "/usr/local/etc/php", "conf.d");
    const artifacts: ArtifactCopy[] = [];

    // Compiled extensions: the whole extensions folder (its name carries the PHP API version; the
    // files the image already has are the same in both stages) and the ini file of each one.
    if (extBuilds.length > 0) {
      const last = extBuilds[extBuilds.length - 1]!;
      const extDir = osPhp(ctx) ? OS_EXT_DIR : EXT_DIR;
      artifacts.push({
        from: extDir,
        to: extDir,
        why: `extensions compiled by line ${[...new Set(extBuilds.map((s) => s.ins.line))].join(", ")} (the folder of this PHP's API version, whole)`,
        rule: last.rule,
        line: last.ins.line,
      });
      evidence.push({
        rule: extBuilds[0]!.rule,
        match: extBuilds[0]!.cmd.text.slice(0, 100),
        why: `compiles PHP extensions${ctx.facts.toolchainPackages.length ? ` with ${ctx.facts.toolchainPackages.join(", ")}` : ""}`,
      });
      const inis = new Map<string, number>();
      for (const { ins, cmd } of allCommands(ctx)) {
        if (ins.index > lastBuild) continue;
        const role = ctx.facts.lines[ins.index]!.role;
        if (role !== "build" && role !== "artifact") continue;
        const b = cmd.name.replace(/^.*\//, "");
        if (b === "docker-php-ext-install" || b === "docker-php-ext-enable") {
          const iniName = option(cmd.args, ["--ini-name"]);
          if (iniName) inis.set(posix.join(iniDir, iniName), ins.line);
          else
            for (const n of extNames(cmd))
              inis.set(posix.join(iniDir, `docker-php-ext-${n}.ini`), ins.line);
        }
        // ini files a build step writes itself (`echo extension=redis.so > $PHP_INI_DIR/conf.d/…`)
        const text = expand(cmd.text, { ...env, ...cmd.assignments });
        for (const m of text.matchAll(/>>?\s*["']?([^\s"';&|]+\.ini)\b/g)) {
          const p = resolvePath(cmd.cwd, m[1]!);
          if (p.includes("$"))
            return leave(
              "artifact-unknown",
              `line ${ins.line} writes an ini file whose path is not known statically (${m[1]})`,
              ins.line,
            );
          inis.set(p, ins.line);
        }
      }
      if (extBuilds.some((s) => s.rule !== "php-ext-install") && inis.size === 0)
        return leave(
          "artifact-unknown",
          "an extension is compiled but no ini file enables it in the build: how it is loaded is unknown",
          extBuilds[0]!.ins.line,
        );
      for (const [path, line] of inis) {
        // A carried step that edits the same file would run before the copy and be lost.
        const edits = ctx.doc.instructions.find(
          (i) =>
            i.index < lastBuild &&
            i.keyword === "RUN" &&
            ctx.facts.lines[i.index]!.role === "runtime-setup" &&
            expand(i.args, env).includes(path),
        );
        if (edits)
          return leave(
            "unsupported",
            `line ${edits.line} edits ${path}, which the runtime stage copies from the builder afterwards`,
            edits.line,
          );
        artifacts.push({
          from: path,
          to: path,
          why: "enables an extension compiled in the builder",
          rule: "php-ext-ini",
          line,
        });
      }
    }

    // Composer: the project folder with vendor/ (and whatever the build wrote there).
    let appDir: string | null = null;
    if (composer.length > 0) {
      const c = composer[composer.length - 1]!;
      const wd = option(c.cmd.args, ["--working-dir", "-d"]);
      appDir = wd ? resolvePath(c.cmd.cwd, wd) : c.cmd.cwd;
      if (appDir.includes("$"))
        return leave(
          "artifact-unknown",
          `the Composer project folder of line ${c.ins.line} is not known`,
        );
      if (appDir === "/")
        return leave(
          "artifact-unknown",
          "Composer runs in / (no WORKDIR): the application files cannot be told apart",
          c.ins.line,
        );
      const cenv = envAt(ctx, c.ins.index);
      if (
        cenv["COMPOSER_VENDOR_DIR"] &&
        !covers(appDir, resolvePath(appDir, cenv["COMPOSER_VENDOR_DIR"]))
      )
        return leave(
          "unsupported",
          `COMPOSER_VENDOR_DIR puts vendor/ outside ${appDir}`,
          c.ins.line,
        );
      const devOmitted = c.cmd.args.includes("--no-dev");
      evidence.push({
        rule: "composer-install",
        match: c.cmd.text.slice(0, 100),
        why: `installs the project's dependencies into ${posix.join(appDir, "vendor")}${devOmitted ? " (without dev packages)" : ""}`,
      });
      if (!devOmitted)
        notes.push(
          "Composer installed the dev packages too and the runtime stage keeps them as the original image did: the application may load them (service providers, package discovery); add --no-dev to the install if it does not",
        );
      const producers = ctx.doc.instructions.filter(
        (i) => i.index <= lastBuild && ctx.facts.lines[i.index]!.workdir === appDir,
      );
      const lastLine = Math.max(
        c.ins.line,
        ...producers
          .filter((i) => ["build", "artifact"].includes(ctx.facts.lines[i.index]!.role))
          .map((i) => i.line),
      );
      artifacts.push({
        from: appDir,
        to: appDir,
        why: "the application with the vendor/ folder Composer installed",
        rule: "composer-install",
        line: lastLine,
      });
    }

    // Files copied from the context before the build, outside what is copied anyway (server
    // configuration): the runtime stage takes them from the builder at the same place.
    for (const c of contextCopies(ctx)) {
      if (c.index > lastBuild || artifacts.some((a) => covers(a.from, c.dest))) continue;
      const targets = copyTargets(c);
      for (const t of targets) {
        if (t === "/")
          return leave(
            "artifact-unknown",
            `line ${c.line} copies into / before the build: which files the runtime needs is unknown`,
            c.line,
          );
        if (!artifacts.some((a) => a.from === t))
          artifacts.push({
            from: t,
            to: t,
            why: `copied from the build context by line ${c.line}`,
            rule: "context-file",
            line: c.line,
          });
      }
    }

    // Files a build step places elsewhere (`cp docker/entry.sh /usr/local/bin/`) come along.
    const placed = addPlacedOutputs(ctx, lastBuild, artifacts);
    if (placed) return placed;

    // Builder-only steps before the last build must not change the image elsewhere: the runtime
    // stage (the same image) gets only what is copied and the carried setup steps.
    const replayed: InstructionNode[] = [];
    for (const ins of ctx.doc.instructions) {
      if (ins.index > lastBuild || ins.keyword !== "RUN") continue;
      const role = ctx.facts.lines[ins.index]!.role;
      if (role === "runtime-setup") continue;
      // Server configuration commands change only the image's configuration: run them again.
      if (ins.commands.length > 0 && ins.commands.every((c) => REPLAYABLE.has(c.name))) {
        replayed.push(ins);
        continue;
      }
      // Edits of the packages' configuration (`sed -i … /etc/php/8.3/fpm/pool.d/www.conf`) that
      // nothing copies from the builder: the runtime stage installs the same packages, so the edit
      // is made again there, after them.
      if (configEditOnly(ins, artifacts, env)) {
        replayed.push(ins);
        continue;
      }
      for (const cmd of ins.commands) {
        const b = cmd.name.startsWith("./") ? cmd.name : posix.basename(cmd.name);
        const verb = cmd.args.find((a) => !a.startsWith("-"));
        const composerVerb = /^composer(\.phar)?$/.test(b)
          ? verb
          : b === "php" && verb && /composer(\.phar)?$/.test(verb)
            ? cmd.args.filter((a) => !a.startsWith("-"))[1]
            : undefined;
        if (composerVerb !== undefined && !COMPOSER_VERBS.has(composerVerb))
          return leave(
            "unsupported",
            `line ${ins.line} runs \`${cmd.text.slice(0, 60)}\`: it installs outside the project folder the runtime stage copies`,
            ins.line,
          );
        // Commands that only print (`php -v`, `php -i | grep opcache`) change nothing.
        const redirects = redirectTargets(cmd.text).some((r) => r.path !== "/dev/null");
        const printsOnly =
          READ_ONLY_COMMANDS.has(b) ||
          (b === "php" && cmd.args.length > 0 && cmd.args.every((a) => PHP_INFO_FLAGS.has(a)));
        if (printsOnly && !redirects) continue;
        // A PHP script run in the builder writes where it likes: only in the copied project folder,
        // or Composer's installer.
        if (
          b === "php" &&
          composerVerb === undefined &&
          !cmd.args.includes("-r") &&
          !cmd.args.some((a) => /composer/.test(a)) &&
          !artifacts.some((a) => covers(a.from, cmd.cwd))
        )
          return leave(
            "unsupported",
            `line ${ins.line} runs \`${cmd.text.slice(0, 60)}\` outside the copied project folder: what it writes is unknown`,
            ins.line,
          );
        // Downloads to a file: only into scratch or copied places (or Composer itself).
        if (b === "curl" || b === "wget") {
          const out = option(
            cmd.args,
            b === "curl" ? ["-o", "--output"] : ["-O", "--output-document"],
          );
          const dest = out && out !== "-" ? resolvePath(cmd.cwd, expand(out, env)) : null;
          if (dest && !writesOnlyCopied({ ...cmd, name: "cp", args: [dest] }, artifacts, env))
            return leave(
              "unsupported",
              `line ${ins.line} downloads ${dest} in the builder only: the runtime stage would not have it`,
              ins.line,
            );
        }
        if (!cmd.name || BUILD_ONLY_COMMANDS.has(b)) continue;
        // The framework's console run in the copied project folder (cache:clear writes var/cache).
        const framework = commandData.rules.find(
          (r) =>
            (r.id === "php-console" || r.id === "php-artisan") &&
            matchesCommand(r, cmd.name, cmd.args),
        );
        if (framework && artifacts.some((a) => covers(a.from, cmd.cwd))) continue;
        if ((b === "echo" || b === "printf") && !cmd.text.includes(">")) continue;
        if (FILE_COMMANDS.has(b) && writesOnlyCopied(cmd, artifacts, env)) continue;
        return leave(
          "unsupported",
          `line ${ins.line} runs \`${cmd.text.slice(0, 60)}\` in the builder only: the runtime stage, built on the same image, would not get its changes`,
          ins.line,
        );
      }
    }

    // Setup steps that only write into what the runtime stage copies from the builder are not
    // repeated there (`mkdir -p storage/logs`, `echo … >> .env` in the project folder).
    const builderOnly = ctx.doc.instructions
      .filter(
        (i) =>
          i.index < lastBuild &&
          i.keyword === "RUN" &&
          ctx.facts.lines[i.index]!.role === "runtime-setup" &&
          i.commands.length > 0 &&
          i.commands.every(
            (c) => FILE_COMMANDS.has(c.name) && writesOnlyCopied(c, artifacts, env, false),
          ),
      )
      .map((i) => i.index);
    for (const i of replayed)
      notes.push(
        `line ${i.line} (${i.args.trim().slice(0, 60)}) is run again in the runtime stage`,
      );
    if (extBuilds.length > 0)
      notes.push(
        "a check in the runtime stage fails the build when a compiled extension does not load (a runtime library missing: add its package then)",
      );
    notes.push(...releaseNote(ctx));
    notes.push(
      `the runtime stage starts from ${base.ref} again: compilers, -dev headers and Composer stay in the builder`,
    );
    return {
      runtimeClass: "php",
      runtimeWhy: "the same PHP image without compilers, -dev headers and Composer",
      imageVars: { image: base.ref, tag: base.tag },
      artifacts,
      builderOnly,
      afterCopySteps: [
        ...replayed.map((i) => `RUN ${i.args.trim()}`),
        ...(extBuilds.length > 0
          ? [
              `RUN if php -m 2>&1 | grep -iE 'unable to load|startup'; then echo 'a compiled extension does not load in this image' >&2; exit 1; fi`,
            ]
          : []),
      ],
      evidence,
      notes,
    };
  },
};
export default php;
