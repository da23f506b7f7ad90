// Ruby applications on the ruby images: gems installed by Bundler or `gem install` (native
// extensions compiled with the full image's compilers, or build-base/build-essential and -dev
// packages) land in GEM_HOME (/usr/local/bundle, which also holds Bundler's config) or in a bundle
// path. The runtime stage is the slim (or the same Alpine) image of the same Ruby with those gems,
// the application folder as the build left it (precompiled assets) and the runtime libraries of
// the -dev packages. Node, needed only to precompile assets, stays in the builder.
import { posix } from "node:path";
import { expand } from "../src/analyse.js";
import {
  addPlacedOutputs,
  allCommands,
  contextCopies,
  covers,
  entryProgram,
  envAt,
  lastBuildIndex,
  option,
  scoreEcosystem,
} from "../src/artifacts.js";
import { commands as commandData, matchesCommand, packages as packagesData } from "../src/data.js";
import { resolvePath } from "../src/parse/shell.js";
import { leave, type Transform, type TransformContext } from "../src/transform.js";
import type { ArtifactCopy, Evidence, InstructionNode, ShellCommand } from "../src/types.js";

const CODENAMES = ["trixie", "bookworm", "bullseye", "buster", "stretch", "jessie"];
/** Packages that compile native gems. */
const COMPILERS = ["build-essential", "gcc", "g++", "make", "build-base", "musl-dev"];
/** Packages that only run the asset pipeline (execjs, yarn, webpack) when assets are precompiled. */
const ASSET_PACKAGES = ["nodejs", "npm", "yarn", "yarnpkg"];
/** gem install options that put gems where the runtime stage would not look. */
const GEM_PLACES = ["--user-install", "-i", "--install-dir", "--bindir", "-n", "--build-root"];
/** Files a gem install reads: they are needed in the builder only. */
const GEM_FILES = /^(Gemfile(\.lock)?|gems\.(rb|locked)|.*\.gemspec|\.ruby-version|\.bundle\/?)$/;
/** Build steps in the command the image runs: they need the compilers or node of the builder. */
const BUILD_AT_START =
  /\b(bundle\s+install|bundler\s+install|gem\s+install|assets:precompile|yarn(\s+install)?\b|npm\s+(ci|install)|webpack|make\b|gcc\b)/;

type Step = { ins: InstructionNode; cmd: ShellCommand; rule: string };

/** The ruby build steps of the file: gem and bundle installs, asset precompilation. */
function rubySteps(ctx: TransformContext): Step[] {
  return allCommands(ctx).flatMap(({ ins, cmd }) => {
    const rule = commandData.rules.find(
      (r) => r.ecosystem === "ruby" && matchesCommand(r, cmd.name, cmd.args),
    );
    return rule ? [{ ins, cmd, rule: rule.id }] : [];
  });
}

/** `3.1` → `3.1-slim`, `3.1-bookworm` → `3.1-slim-bookworm`, `latest` → `slim`, `2.7-alpine3.16` kept. */
export function rubySlimTag(tag: string): string {
  const t = tag.toLowerCase();
  const codename = CODENAMES.find((c) => t.includes(c));
  const version = t
    .replace(/-?(slim|alpine[\d.]*)/g, "")
    .replace(new RegExp(`-?(${CODENAMES.join("|")})$`), "");
  const v = version === "" || version === "latest" ? "" : version;
  return [v, "slim", codename].filter(Boolean).join("-");
}

/**
 * A note when runtime package names depend on the Debian/Ubuntu release and the builder's tag does
 * not name one: the names then follow the release assumed for the tag.
 */
export function releaseNote(ctx: TransformContext): string[] {
  const info = ctx.facts.baseInfo;
  const tag = (ctx.facts.base?.tag ?? "").toLowerCase();
  if (!info || (info.distro !== "debian" && info.distro !== "ubuntu")) return [];
  if ([...CODENAMES, "noble", "jammy", "focal"].some((c) => tag.includes(c))) return [];
  const table = packagesData.runtimeCounterparts["apt"] ?? {};
  const varying = ctx.facts.toolchainPackages.filter((p) => typeof table[p] === "object");
  if (varying.length === 0) return [];
  return [
    `${ctx.facts.base!.ref} names no Debian release: the runtime names of ${varying.join(", ")} are those of ${info.release ?? "the default release"}; if the image has moved to another release, the install fails — pin the tag (-bookworm, -trixie)`,
  ];
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== "" && !/^(false|0|no)$/i.test(v);
}

const ruby: Transform = {
  id: "ruby",
  describe:
    "Ruby applications on ruby images: gems (native extensions) and assets built in the builder, slim runtime",
  detect(ctx) {
    if (ctx.facts.baseInfo?.family !== "ruby") return null;
    if (rubySteps(ctx).length === 0) return null;
    const { score, evidence } = scoreEcosystem(ctx, "ruby", COMPILERS);
    return score > 0 ? { ecosystem: "ruby", score, evidence } : null;
  },
  plan(ctx) {
    const base = ctx.facts.base!;
    const tag = base.tag.toLowerCase();
    const evidence: Evidence[] = [];
    const notes: string[] = [];
    const steps = rubySteps(ctx);
    const installs = steps.filter((s) => s.rule === "bundle-install" || s.rule === "gem-install");
    const assets = steps.filter((s) => s.rule === "assets-precompile");
    if (installs.length === 0)
      return leave(
        "artifact-unknown",
        "assets are precompiled but no gem or bundle install is seen: where the gems are is unknown",
      );

    // What the image runs must not build anything.
    for (const spec of [ctx.facts.entrypoint, ctx.facts.cmd]) {
      const m = spec ? BUILD_AT_START.exec(spec.raw) : null;
      if (m)
        return leave(
          "toolchain-at-runtime",
          `the image runs \`${m[0]}\` at start, which needs the builder's compilers or node`,
        );
    }

    // Where the gems go: GEM_HOME, or a bundle path (--path, --deployment, BUNDLE_PATH, config).
    const gemDirs: { path: string; line: number; why: string }[] = [];
    const addDir = (path: string, line: number, why: string) => {
      if (!gemDirs.some((d) => covers(d.path, path))) gemDirs.push({ path, line, why });
    };
    let configuredPath: string | undefined;
    for (const { ins, cmd } of allCommands(ctx)) {
      const b = cmd.name.replace(/^.*\//, "");
      if ((b === "bundle" || b === "bundler") && cmd.args[0] === "config") {
        const words = cmd.args.filter((a) => !a.startsWith("-"));
        const rest = words[1] === "set" ? words.slice(2) : words.slice(1);
        if (rest[0] === "path" && rest[1]) configuredPath = resolvePath(cmd.cwd, rest[1]);
        if (rest[0] === "deployment" && truthy(rest[1]))
          configuredPath = resolvePath(cmd.cwd, "vendor/bundle");
        if (rest[0] === "path" && !rest[1])
          return leave("artifact-unknown", `line ${ins.line} sets the bundle path from nothing`);
      }
    }
    for (const { ins, cmd, rule } of installs) {
      const env = envAt(ctx, ins.index);
      for (const [k, v] of Object.entries(cmd.assignments)) env[k] = expand(v, env);
      const gemHome = env["GEM_HOME"];
      if (!gemHome || gemHome.includes("$"))
        return leave(
          "artifact-unknown",
          `GEM_HOME is not known at line ${ins.line}: where the gems are installed is unknown`,
          ins.line,
        );
      if (rule === "gem-install") {
        const bad = cmd.args.find((a) =>
          GEM_PLACES.some((o) => a === o || a.startsWith(o + "=") || a.startsWith(o + " ")),
        );
        if (bad)
          return leave(
            "unsupported",
            `line ${ins.line} installs gems with ${bad}: outside GEM_HOME, not copied`,
            ins.line,
          );
        addDir(gemHome, ins.line, "gems installed by `gem install`, with their executables");
        continue;
      }
      // bundle install
      if (cmd.args.includes("--system"))
        return leave("unsupported", `line ${ins.line} installs with --system`, ins.line);
      const gemfile = option(cmd.args, ["--gemfile"]);
      const root = gemfile ? posix.dirname(resolvePath(cmd.cwd, gemfile)) : cmd.cwd;
      let path = option(cmd.args, ["--path"]);
      let where: string | undefined;
      if (path) where = resolvePath(root, path);
      else if (cmd.args.includes("--deployment") || truthy(env["BUNDLE_DEPLOYMENT"]))
        where = resolvePath(root, env["BUNDLE_PATH"] ?? "vendor/bundle");
      else if ((path = env["BUNDLE_PATH"])) where = resolvePath(root, path);
      else if (configuredPath) where = configuredPath;
      if (where?.includes("$"))
        return leave(
          "artifact-unknown",
          `the bundle path of line ${ins.line} (${where}) is not known statically`,
          ins.line,
        );
      // GEM_HOME always: the gems, or Bundler's config (BUNDLE_APP_CONFIG) and bundler itself.
      addDir(
        gemHome,
        ins.line,
        "gems installed by Bundler, their executables and Bundler's config",
      );
      if (where)
        addDir(where, ins.line, `the bundle path gems are installed to by line ${ins.line}`);
      const appConfig = env["BUNDLE_APP_CONFIG"];
      if (appConfig && !appConfig.includes("$"))
        addDir(resolvePath(root, appConfig), ins.line, "Bundler's configuration");
    }
    evidence.push({
      rule: installs[0]!.rule,
      match: installs[0]!.cmd.text.slice(0, 100),
      why: `installs gems into ${gemDirs.map((d) => d.path).join(", ")}`,
    });

    const compiled = ctx.facts.toolchainPackages.length > 0;
    const slim = /(^|-)(slim|alpine)/.test(tag);
    const entry = entryProgram(ctx);
    const nodeAtStart =
      !!entry && /^(node|nodejs|npm|npx|yarn)$/.test(entry.program.replace(/^.*\//, ""));
    // Node is needed at run time unless assets are precompiled (Rails compiles them on demand).
    const nodeBuildOnly = assets.length > 0 && !nodeAtStart;
    const nodeInstalled = ctx.facts.lines.some((l) =>
      l.packages.some((p) => p.names.some((n) => ASSET_PACKAGES.includes(n))),
    );
    if (slim && !compiled && !(nodeBuildOnly && nodeInstalled))
      return leave(
        "nothing-built",
        `nothing is compiled (no compiler or -dev package) and ${base.ref} is already slim`,
      );
    if (assets.length > 0)
      evidence.push({
        rule: "assets-precompile",
        match: assets[0]!.cmd.text.slice(0, 100),
        why: "assets are precompiled in the builder",
      });

    const lastBuild = lastBuildIndex(ctx);
    const builderOnlyPackages = nodeBuildOnly ? ASSET_PACKAGES : [];
    // Package repositories the runtime stage would need for its packages are not carried.
    const repo = ctx.doc.instructions.find(
      (i) =>
        i.keyword === "RUN" &&
        /apt-key|\/etc\/apt\/sources\.list|add-apt-repository|deb\.nodesource\.com|dl\.yarnpkg\.com/.test(
          i.args,
        ),
    );
    if (repo) {
      const needed = ctx.facts.lines
        .filter((l) => l.index >= repo.index)
        .flatMap((l) => l.packages.flatMap((p) => p.names))
        .filter(
          (n) => !builderOnlyPackages.includes(n) && !ctx.facts.toolchainPackages.includes(n),
        );
      if (needed.length > 0)
        return leave(
          "unsupported",
          `line ${repo.line} adds a package repository and ${needed.join(", ")} installed from then on ${nodeBuildOnly ? "is" : "may be"} needed at run time: carrying the repository to the runtime stage is not supported`,
          repo.line,
        );
    }
    // RUNs before the build that install only node for the assets stay in the builder.
    const builderOnly = nodeBuildOnly
      ? ctx.facts.lines
          .filter(
            (l) =>
              l.index < lastBuild &&
              l.role === "runtime-setup" &&
              l.packages.length > 0 &&
              l.packages.every((p) => p.names.every((n) => ASSET_PACKAGES.includes(n))),
          )
          .map((l) => l.index)
      : [];

    // The application folder: copied from the builder when anything is put there before the
    // last build step (Gemfiles, sources, precompiled assets, node_modules).
    const workdir = ctx.facts.finalWorkdir;
    const artifacts: ArtifactCopy[] = gemDirs.map((d) => ({
      from: d.path,
      to: d.path,
      why: d.why,
      rule: "ruby-gems",
      line: d.line,
    }));
    const early = contextCopies(ctx).filter((c) => c.index < lastBuild);
    const inApp = early.filter((c) => covers(workdir, c.dest));
    const appSteps = allCommands(ctx).filter(
      ({ ins, cmd }) =>
        ins.index <= lastBuild &&
        cmd.name !== "" &&
        !installs.some((i) => i.cmd === cmd) &&
        covers(workdir, cmd.cwd) &&
        ["build", "dependency", "other"].includes(ctx.facts.lines[ins.index]!.role) &&
        !/^(apt-get|apt|apk|rm|cd|set|mkdir)$/.test(cmd.name),
    );
    if (inApp.length > 0 || appSteps.length > 0) {
      if (workdir === "/")
        return leave(
          "artifact-unknown",
          "the application is built in / (no WORKDIR): the files it needs cannot be told apart",
        );
      const last = [
        ...inApp.map((c) => ({ index: c.index, line: c.line })),
        ...appSteps.map((s) => ({ index: s.ins.index, line: s.ins.line })),
      ].sort((a, b) => a.index - b.index);
      // A bundle path inside the application folder comes with it.
      for (let i = artifacts.length - 1; i >= 0; i--)
        if (covers(workdir, artifacts[i]!.from)) artifacts.splice(i, 1);
      artifacts.push({
        from: workdir,
        to: workdir,
        why:
          assets.length > 0
            ? "the application folder with the precompiled assets"
            : `the application folder as the build left it (lines ${[...new Set(last.map((l) => l.line))].join(", ")})`,
        rule: assets.length > 0 ? "assets-precompile" : "app-folder",
        // The step the copy is credited to: the last one that writes files (`bundle config set`
        // before it only changes settings).
        line: (
          [...last].reverse().find((l) => ctx.facts.lines[l.index]!.role !== "other") ??
          last.at(-1)!
        ).line,
      });
    }
    // Other files copied from the context before the build reach the runtime stage by name.
    for (const c of early) {
      if (covers(workdir, c.dest) && workdir !== "/") continue;
      if (artifacts.some((a) => covers(a.from, c.dest))) continue;
      for (const s of c.sources) {
        const name = posix.basename(s);
        if (GEM_FILES.test(name)) continue;
        if (/[*?]/.test(s) || s === "." || s === "./")
          return leave(
            "artifact-unknown",
            `line ${c.line} copies ${s} into ${c.dest} before the build: which files the runtime needs is unknown`,
            c.line,
          );
        const to = c.dest.endsWith("/") ? posix.join(c.dest, name) : c.dest;
        artifacts.push({
          from: to,
          to,
          why: `copied from the build context by line ${c.line}`,
          rule: "context-file",
          line: c.line,
        });
      }
    }

    // Files a build step places elsewhere (`cp docker/entry.sh /usr/local/bin/`) come along.
    const placed = addPlacedOutputs(ctx, lastBuild, artifacts);
    if (placed) return placed;

    const dirs = gemDirs.map((d) => d.path).join(" ");
    notes.push(
      "a check in the runtime stage fails the build when a native gem links a library this image lacks (add its runtime package then)",
    );
    if (!slim)
      notes.push(
        `${base.ref} is a full image: programs the application calls besides Ruby (imagemagick, git, database clients) are not in the slim image; add them to the runtime stage if it needs them`,
      );
    notes.push(...releaseNote(ctx));
    if (!entry)
      notes.push(
        "the file sets no CMD or ENTRYPOINT: commands given at run time (compose, docker run) find Ruby, the gems and the application, but no compilers, -dev headers or node",
      );
    if (nodeBuildOnly && nodeInstalled)
      notes.push("node/yarn precompile the assets in the builder and stay there");
    return {
      runtimeClass: "ruby",
      runtimeWhy: "the same Ruby without compilers, -dev headers and build tools",
      imageVars: { slim: rubySlimTag(tag), tag: base.tag },
      artifacts,
      builderOnly,
      builderOnlyPackages,
      afterCopySteps: [
        `RUN if find ${dirs} -type f -name '*.so' -exec ldd {} \\; 2>&1 | grep -E 'not found|Error (loading|relocating)'; then echo 'a native gem needs a library this image lacks' >&2; exit 1; fi`,
      ],
      evidence,
      notes,
    };
  },
};
export default ruby;
