// Other compiled languages that write a native program: Crystal, Nim, OCaml (dune), Haskell (ghc),
// D, Zig, Dart (compile exe). Where each compiler puts the program is data (data/commands.yaml,
// `output` of the rules with ecosystem native); the runtime stage is chosen like C's (a slim image
// of the builder's release, the same Alpine), with the link check that fails the build when the
// program needs a library the runtime image lacks.
import { posix } from "node:path";
import { expand } from "../src/analyse.js";
import {
  allCommands,
  envAt,
  genericCandidates,
  nativeClass,
  option,
  resolveArtifacts,
  scoreEcosystem,
  type Candidate,
} from "../src/artifacts.js";
import {
  commands as commandData,
  matchesCommand,
  packages,
  type CommandRule,
} from "../src/data.js";
import { debianRuntimeLibs } from "../src/debian-libs.js";
import { resolvePath } from "../src/parse/shell.js";
import type { Transform, TransformContext } from "../src/transform.js";
import type { ShellCommand } from "../src/types.js";

const RULES = commandData.rules.filter((r) => r.ecosystem === "native" && r.output);

/** The value of an output flag: `-o X`, `--out=X` (option), `-o:X`, `--out:X`, `-ofX`. */
function flagValue(args: string[], flags: string[]): string | undefined {
  const spaced = option(args, flags);
  if (spaced !== undefined) return spaced;
  for (const a of args)
    for (const f of flags) {
      if (a.startsWith(f + ":")) return a.slice(f.length + 1);
      // -ofapp (D compilers glue the value on)
      if (f === "-of" && a.startsWith(f) && a.length > f.length) return a.slice(f.length);
    }
  return undefined;
}

/** The program a compiler run writes, by its rule's output data. */
function outputOf(rule: CommandRule, cmd: ShellCommand, env: Record<string, string>): Candidate[] {
  const out = rule.output!;
  if (out.requires?.some((f) => !cmd.args.includes(f))) return [];
  const positional = cmd.args.filter(
    (a, i) => !a.startsWith("-") && !out.valueFlags?.includes(cmd.args[i - 1] ?? ""),
  );
  if (out.bare && positional.length > (rule.sub?.length ?? 0)) return [];
  const vars = { ...env, ...cmd.assignments };
  // ~ is the builder's HOME (root's unless the file says otherwise).
  const home = (p: string) =>
    p === "~" || p.startsWith("~/") ? (vars["HOME"] ?? "/root") + p.slice(1) : p;
  const at = (p: string) => resolvePath(cmd.cwd, home(expand(p, vars)));
  const named = flagValue(cmd.args, out.flags);
  if (named && out.default === "dir")
    return [{ path: at(named).replace(/\/?$/, "/"), dir: true, line: 0, rule: rule.id }];
  if (named) return [{ path: at(named), dir: false, line: 0, rule: rule.id }];
  const words = cmd.args.filter((a) => !a.startsWith("-"));
  if (out.default === "dir" && out.targets) {
    // shards build [target…]: bin/<target> each, or every target of shard.yml in bin/.
    const targets = words.slice(rule.sub?.length ?? 0);
    if (targets.length)
      return targets.map((t) => ({
        path: at(posix.join(out.dir!, t)),
        dir: false,
        line: 0,
        rule: rule.id,
      }));
    return [
      { path: at(out.dir!).replace(/\/?$/, "/"), dir: true, whole: true, line: 0, rule: rule.id },
    ];
  }
  if (out.default === "dir")
    return [{ path: at(out.dir!).replace(/\/?$/, "/"), dir: true, line: 0, rule: rule.id }];
  if (out.default === "target") {
    // dune build ./bin/main.exe → _build/default/bin/main.exe
    return words
      .filter((w) => /\.(exe|bc)$/.test(w))
      .map((w) => ({
        path: at(posix.join(out.dir!, posix.normalize(w))),
        dir: false,
        line: 0,
        rule: rule.id,
      }));
  }
  const source = words.find((w) => out.ext && w.endsWith(out.ext));
  if (!source) return [];
  const stem = posix.basename(source, out.ext);
  const path = out.default === "cwd-stem" ? stem : posix.join(posix.dirname(source), stem);
  return [{ path: at(path), dir: false, line: 0, rule: rule.id }];
}

function candidates(ctx: TransformContext): Candidate[] {
  const list: Candidate[] = [...genericCandidates(ctx)];
  for (const { ins, cmd } of allCommands(ctx)) {
    const rule = RULES.find((r) => matchesCommand(r, cmd.name, cmd.args));
    if (!rule) continue;
    for (const c of outputOf(rule, cmd, envAt(ctx, ins.index))) {
      if (c.path.includes("$")) continue;
      list.push({ ...c, line: ins.line });
    }
  }
  return list;
}

/**
 * A toolchain image that installs -dev libraries itself (crystallang/crystal, haskell), or a
 * compiler package that depends on them (Debian's ghc): their runtime packages (data/packages.yaml
 * runtimeSets `<family>-image` and `<package>-package`; on Debian the archive's dependencies, else
 * runtimeCounterparts for the builder's release) are installed in the runtime stage, where a
 * program may link them.
 */
function imageLibraries(
  ctx: TransformContext,
): { step: string; note: string } | { leave: { code: string; message: string } } | null {
  const info = ctx.facts.baseInfo;
  const manager = info?.distro === "alpine" ? "apk" : (ctx.facts.packageManager ?? "apt");
  const sets = [
    ...(info?.family ? [`${info.family}-image`] : []),
    ...ctx.facts.toolchainPackages.map((p) => `${p}-package`),
  ].flatMap((k) => packages.runtimeSets[k]?.[manager] ?? []);
  // With the builder's release unknown, the release check leaves the file (release-unknown).
  if (sets.length === 0 || !info?.os) return null;
  const devs = [...new Set(sets)];
  const release = (info?.distro === "alpine" ? info?.os?.version : info?.os?.codename) ?? "";
  const table = packages.runtimeCounterparts[manager] ?? {};
  const names: string[] = [];
  for (const dev of devs) {
    const fromDebian =
      manager === "apt" && info?.os?.distro === "debian" ? debianRuntimeLibs(dev, release) : null;
    const c = table[dev];
    // Per-release entries must name this release: a default is another release's name.
    const hand = typeof c === "string" ? c : c?.[release];
    const found = fromDebian ?? (hand ? [hand] : null);
    if (!found)
      return {
        leave: {
          code: "runtime-library-unknown",
          message: `the build has ${dev} (from ${ctx.facts.base?.ref} or its compiler package); its runtime package on ${release || "this release"} is not known`,
        },
      };
    names.push(...found);
  }
  const list = [...new Set(names)].join(" ");
  return {
    step:
      manager === "apk"
        ? `RUN apk add --no-cache ${list}`
        : `RUN apt-get update && apt-get install -y --no-install-recommends ${list} && rm -rf /var/lib/apt/lists/*`,
    note: `the toolchain comes with ${devs.join(", ")}: a program may link them, so the runtime stage installs ${list}`,
  };
}

const native: Transform = {
  id: "native",
  describe:
    "native programs of other compiled languages: Crystal, Nim, OCaml (dune), Haskell (ghc), D, Zig, Dart",
  detect(ctx) {
    const { score, evidence } = scoreEcosystem(ctx, "native", [
      "crystal",
      "nim",
      "ocaml-dune",
      "ocaml-nox",
      "ghc",
      "ldc",
      "gdc",
      "dub",
      "cabal-install",
      "haskell-stack",
    ]);
    return score > 0 ? { ecosystem: "native", score, evidence } : null;
  },
  plan(ctx) {
    const resolved = resolveArtifacts(ctx, candidates(ctx));
    if ("leave" in resolved) return resolved;
    const libraries = imageLibraries(ctx);
    if (libraries && "leave" in libraries) return libraries;
    return {
      ...nativeClass(ctx),
      artifacts: resolved.artifacts,
      needsShell: resolved.script || !!libraries,
      evidence: resolved.evidence,
      ...(libraries && { extraSteps: [libraries.step], notes: [libraries.note] }),
    };
  },
};
export default native;
