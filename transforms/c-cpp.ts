// C and C++: gcc/g++ -o, make, cmake, autotools, and `make install` with its prefix.
import { posix } from "node:path";
import { expand } from "../src/analyse.js";
import {
  allCommands,
  entryProgram,
  envAt,
  genericCandidates,
  nativeClass,
  option,
  resolveArtifacts,
  scoreEcosystem,
  type Candidate,
} from "../src/artifacts.js";
import { resolvePath } from "../src/parse/shell.js";
import type { Transform, TransformContext } from "../src/transform.js";

const SYSTEM_PREFIXES = new Set(["/usr", "/", ""]);

/** Install prefixes seen: configure --prefix, cmake -DCMAKE_INSTALL_PREFIX, make PREFIX=. */
function installCandidates(ctx: TransformContext): { list: Candidate[]; unknown: string[] } {
  const list: Candidate[] = [];
  const unknown: string[] = [];
  // Where `make install` writes is only known from configure/cmake (default /usr/local) or an
  // explicit PREFIX; a hand-written Makefile may install anywhere, so it yields no candidate.
  let configured: string | undefined;
  for (const { ins, cmd } of allCommands(ctx)) {
    const env = { ...envAt(ctx, ins.index), ...cmd.assignments };
    if (/configure$/.test(cmd.name)) configured = option(cmd.args, ["--prefix"]) ?? "/usr/local";
    if (cmd.name === "cmake" && !cmd.args.includes("--build") && !cmd.args.includes("--install")) {
      const p = cmd.args.find((a) => a.startsWith("-DCMAKE_INSTALL_PREFIX="));
      configured = p ? p.split("=")[1] : "/usr/local";
    }
    // Plain `make` (or `cmake --build DIR`) writes its outputs in its directory.
    if ((cmd.name === "make" || cmd.name === "gmake") && !cmd.args.includes("install")) {
      const dir = option(cmd.args, ["-C", "--directory"]);
      list.push({
        path: (dir ? resolvePath(cmd.cwd, expand(dir, env)) : cmd.cwd).replace(/\/?$/, "/"),
        dir: true,
        line: ins.line,
        rule: "make-output",
      });
    }
    if (cmd.name === "cmake" && cmd.args.includes("--build")) {
      const dir = option(cmd.args, ["--build"]) ?? ".";
      list.push({
        path: resolvePath(cmd.cwd, expand(dir, env)).replace(/\/?$/, "/"),
        dir: true,
        line: ins.line,
        rule: "cmake-build",
      });
    }
    const isInstall =
      (cmd.name === "make" && cmd.args.includes("install")) ||
      (cmd.name === "cmake" && cmd.args.includes("--install"));
    if (!isInstall) continue;
    const assigned = cmd.args.find((a) => /^(PREFIX|prefix)=/.test(a))?.split("=")[1];
    const destdir = cmd.args.find((a) => a.startsWith("DESTDIR="))?.split("=")[1] ?? "";
    const known = assigned ?? option(cmd.args, ["--prefix"]) ?? configured;
    if (!known) {
      // A hand-written Makefile: where it installs is unknown, but an entry named by its full path
      // under /usr/local (where no distribution package writes) can only come from this install.
      // Only that file is taken: if the guess is wrong, COPY fails the build.
      const entry = entryProgram(ctx)?.program;
      if (entry?.startsWith("/usr/local/") && !entry.includes("$"))
        list.push({ path: entry, dir: false, line: ins.line, rule: "make-install-entry" });
      continue;
    }
    const prefix = expand(known, env);
    const root = posix.join("/", expand(destdir, env), prefix).replace(/\/$/, "") || "/";
    // Best: copy the prefix whole (a private one, or /usr/local on a plain OS image where nothing
    // else lives). Otherwise only a program in <prefix>/bin, where autotools, cmake and Makefiles
    // given an explicit PREFIX put commands; a wrong guess fails the build at COPY, never silently.
    const usable =
      !SYSTEM_PREFIXES.has(root) && (root !== "/usr/local" || ctx.facts.baseInfo?.kind === "os");
    if (usable)
      list.push({ path: root + "/", dir: true, whole: true, line: ins.line, rule: "make-install" });
    else {
      list.push({
        path: posix.join(root, "bin") + "/",
        dir: true,
        line: ins.line,
        rule: "make-install-bin",
      });
      unknown.push(
        `line ${ins.line} runs make install into ${root}, where the files it installs cannot be told from the image's own; only ${posix.join(root, "bin")} is known`,
      );
    }
  }
  return { list, unknown };
}

const cCpp: Transform = {
  id: "c-cpp",
  describe: "C and C++ programs built with gcc/g++, make, cmake or autotools",
  detect(ctx) {
    const { score, evidence } = scoreEcosystem(ctx, "c-cpp", [
      "build-essential",
      "build-base",
      "gcc",
      "g++",
      "clang",
      "make",
      "cmake",
      "Development Tools",
    ]);
    return score > 0 ? { ecosystem: "c-cpp", score, evidence } : null;
  },
  plan(ctx) {
    const installs = installCandidates(ctx);
    const resolved = resolveArtifacts(ctx, [...genericCandidates(ctx), ...installs.list]);
    if ("leave" in resolved) {
      if (installs.unknown.length === 0) return resolved;
      return {
        leave: {
          ...resolved.leave,
          message: `${resolved.leave.message}: ${installs.unknown.join("; ")}`,
        },
      };
    }
    return {
      ...nativeClass(ctx),
      artifacts: resolved.artifacts,
      needsShell: resolved.script,
      evidence: resolved.evidence,
    };
  },
};
export default cCpp;
