// Elixir and Erlang on the BEAM. `mix release` and `rebar3 as <profile> release` make a release:
// a folder with the compiled applications, the Erlang runtime (ERTS) and a start script, which
// runs on a bare OS image with a few shared libraries. `erl` started on compiled code needs the
// Erlang installation: the same erlang image's slim variant. `mix run`/`mix phx.server` need the
// whole toolchain and are left alone (data/commands.yaml toolchainAtRuntime).
import { posix } from "node:path";
import { packages } from "../src/data.js";
import { allCommands, entryProgram, envAt, option, scoreEcosystem } from "../src/artifacts.js";
import { resolvePath } from "../src/parse/shell.js";
import {
  leave,
  type LeaveAlone,
  type Transform,
  type TransformContext,
  type TransformPlan,
} from "../src/transform.js";
import type { Evidence, InstructionNode, ShellCommand } from "../src/types.js";

/** `mix release` options that take a value. */
const MIX_VALUE_OPTIONS = new Set(["--path", "--version"]);
/** Release script commands that run the release in the foreground. */
const START = new Set(["start", "start_iex", "foreground", "console", "eval", "rpc"]);

interface Release {
  ins: InstructionNode;
  cmd: ShellCommand;
  tool: "mix" | "rebar3";
  /** Folder the releases go to (`_build/prod/rel`), or the --path folder itself. */
  base: string;
  /** Name given on the command line, if any. */
  name?: string;
  /** `--path`: the release is the folder itself. */
  explicitPath: boolean;
}

/** The words of one task of `mix do a, b, c` (or `mix do a + b`), or the words themselves. */
function mixTask(args: string[], task: string): string[] {
  if (args[0] !== "do") return args;
  const tasks: string[][] = [[]];
  for (const w of args.slice(1)) {
    if (w === "+" || w === ",") tasks.push([]);
    else if (w.endsWith(",")) {
      tasks[tasks.length - 1]!.push(w.slice(0, -1));
      tasks.push([]);
    } else tasks[tasks.length - 1]!.push(w);
  }
  return tasks.find((t) => t[0] === task) ?? args;
}

function releaseCommand(ctx: TransformContext): Release | LeaveAlone | null {
  let found: Release | null = null;
  for (const { ins, cmd } of allCommands(ctx)) {
    const env = { ...envAt(ctx, ins.index), ...cmd.assignments };
    const args = cmd.name === "mix" ? mixTask(cmd.args, "release") : cmd.args;
    if (cmd.name === "mix" && args[0] === "release") {
      if (env["MIX_BUILD_PATH"] || env["MIX_BUILD_ROOT"])
        return leave(
          "artifact-unknown",
          "MIX_BUILD_PATH/MIX_BUILD_ROOT move the build folder: where the release goes is not followed",
          ins.line,
        );
      const words: string[] = [];
      for (let i = 1; i < args.length; i++) {
        const a = args[i]!;
        if (MIX_VALUE_OPTIONS.has(a)) i++;
        else if (!a.startsWith("-")) words.push(a);
      }
      const path = option(args, ["--path"]);
      const mixEnv = env["MIX_ENV"] || "dev";
      found = {
        ins,
        cmd,
        tool: "mix",
        base: path ? resolvePath(cmd.cwd, path) : posix.join(cmd.cwd, "_build", mixEnv, "rel"),
        ...(words[0] ? { name: words[0] } : {}),
        explicitPath: !!path,
      };
    } else if (cmd.name === "rebar3") {
      const a = cmd.args.filter((x) => !x.startsWith("-"));
      const profile = a[0] === "as" ? a[1] : "default";
      const verb = a[0] === "as" ? a[2] : a[0];
      if (verb === "tar")
        return leave(
          "unsupported",
          "rebar3 tar packs the release into a tarball: unpacking it in the runtime stage is not done",
          ins.line,
        );
      if (verb !== "release") continue;
      if (profile === "default")
        return leave(
          "artifact-unknown",
          "rebar3 release in the default profile: release templates link it to _build (dev_mode) without ERTS; a release for the runtime stage is built `as prod`",
          ins.line,
        );
      found = {
        ins,
        cmd,
        tool: "rebar3",
        base: posix.join(cmd.cwd, "_build", profile!.split(",")[0]!, "rel"),
        explicitPath: false,
      };
    }
  }
  return found;
}

/** Debian codename or Alpine release the builder's Erlang was built on, and where that is known from. */
function builderOs(ctx: TransformContext): { os: string; why: string } | null {
  const info = ctx.facts.baseInfo;
  const base = ctx.facts.base;
  const os = info?.os;
  if (!info || !base || !os) return null;
  const release = os.distro === "alpine" ? os.version : os.codename;
  if (!release || !["debian", "ubuntu", "alpine"].includes(os.distro)) return null;
  return {
    os: release,
    why:
      info.releaseFrom === "table"
        ? `${base.name}:${base.tag} is built on ${os.distro} ${release} (data/releases: the tag's last definition)`
        : `the tag names ${os.distro} ${release}`,
  };
}

/** The runtime packages a release needs, for the runtime's package manager and release. */
function releasePackages(apk: boolean, release: string): string[] {
  const manager = apk ? "apk" : "apt";
  const set = packages.runtimeSets["beam-release"]?.[manager] ?? [];
  const table = packages.runtimeCounterparts[manager] ?? {};
  return set.map((p) => {
    const c = p.endsWith("-dev") ? table[p] : undefined;
    if (c === undefined) return p;
    return typeof c === "string" ? c : (c[release] ?? c["default"] ?? p);
  });
}

function planRelease(ctx: TransformContext, rel: Release): TransformPlan | LeaveAlone {
  const entry = entryProgram(ctx);
  if (!entry)
    return leave(
      "artifact-unknown",
      "the image has no command: which release it starts is unknown",
    );
  const program = resolvePath(ctx.facts.finalWorkdir, entry.program);
  // The command must be the release's own script: <base>/<name>/bin/<name> or <path>/bin/<name>.
  let dir: string | null = null;
  let name: string | null = null;
  if (rel.explicitPath) {
    if (posix.dirname(program) === posix.join(rel.base, "bin")) {
      dir = rel.base;
      name = rel.name ?? posix.basename(program);
    }
  } else {
    const m = /^(.*)\/([^/]+)\/bin\/([^/]+)$/.exec(program);
    if (m && m[1] === rel.base) {
      dir = posix.join(rel.base, m[2]!);
      name = m[2]!;
    }
  }
  if (!dir || !name)
    return leave(
      "artifact-unknown",
      `the image runs ${entry.program}, not the script of the release \`${rel.cmd.text.slice(0, 60)}\` writes to ${rel.base}`,
    );
  if (rel.name && rel.tool === "mix" && !rel.explicitPath && rel.name !== name)
    return leave(
      "artifact-unknown",
      `the image runs release ${name}, but line ${rel.ins.line} builds release ${rel.name}`,
    );
  // bin/<name> is the release script; other files in bin/ are overlays (phx.gen.release's
  // bin/server), scripts that start the release themselves.
  const script = posix.basename(program);
  if (script === name && !START.has(entry.args[0] ?? ""))
    return leave(
      "artifact-unknown",
      `the release script is run with \`${entry.args[0] ?? "(nothing)"}\`, not a foreground start`,
    );

  const os = builderOs(ctx);
  if (!os)
    return leave(
      "release-unknown",
      `the OS release ${ctx.facts.base?.ref} was built on is not known (${ctx.facts.baseInfo?.releaseUnknown ?? "no data"}): a release runs only where its Erlang was built`,
    );
  const info = ctx.facts.baseInfo!;
  const apk = info.distro === "alpine";
  const pkgs = releasePackages(apk, info.distro === "ubuntu" ? (info.release ?? "") : os.os);
  const install = apk
    ? `RUN apk add --no-cache ${pkgs.join(" ")}`
    : `RUN apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(" ")} && rm -rf /var/lib/apt/lists/*`;
  const extraSteps = [install];
  const declaredChanges: NonNullable<TransformPlan["declaredChanges"]> = [];
  const lang = info.env["LANG"];
  if (lang && !ctx.facts.env.some(([k]) => k === "LANG")) {
    extraSteps.push(`ENV LANG=${lang}`);
    declaredChanges.push({
      field: "ENV LANG",
      from: "",
      to: lang,
      why: `${ctx.facts.base?.name} images set LANG=${lang} (the BEAM wants a UTF-8 locale); the OS image does not`,
    });
  }
  // Checked while building: the release carries its own ERTS, no library links back to _build,
  // and every shared library ERTS and the NIFs load is in the runtime image.
  const notFound = apk ? "not found|Error loading" : "not found";
  const check =
    `RUN cd ${dir} && ls -d erts-* > /dev/null && ! find lib -maxdepth 1 -type l | grep -q . ` +
    `&& ! (ldd erts-*/bin/* lib/*/priv/lib/*.so 2>&1 | grep -E "${notFound}")`;
  const evidence: Evidence[] = [
    {
      rule: rel.tool === "mix" ? "mix-release" : "rebar3-release",
      match: rel.cmd.text.slice(0, 100),
      why: `the release ${name} is built in ${dir}, and the image runs its script bin/${script}`,
    },
    { rule: "builder-os", match: ctx.facts.base?.ref ?? "", why: os.why },
  ];
  return {
    runtimeClass: "beam-release",
    runtimeWhy: `a release with its own Erlang runtime needs only the OS its Erlang was built on (${os.why})`,
    imageVars: { os: os.os },
    artifacts: [
      {
        from: dir,
        to: dir,
        why: `the release: compiled applications, ERTS and the bin/${script} start script`,
        rule: rel.tool === "mix" ? "mix-release" : "rebar3-release",
        line: rel.ins.line,
      },
    ],
    builderOnly: tailSteps(ctx, rel.ins.index),
    extraSteps,
    afterCopySteps: [check],
    declaredChanges,
    needsShell: true,
    evidence,
    notes: [
      `runtime libraries installed: ${pkgs.join(", ")}; the check after the copy fails the build if the release has no ERTS, links into _build, or loads a library the image lacks`,
      "files the release reads outside its own folder (uploads, config mounted at run time) are not copied",
    ],
  };
}

/** RUN steps after the release that only run the toolchain belong to the builder. */
function tailSteps(ctx: TransformContext, after: number): number[] {
  return ctx.doc.instructions
    .filter(
      (i) =>
        i.index > after &&
        i.keyword === "RUN" &&
        i.commands.length > 0 &&
        i.commands.every((c) => ["mix", "rebar3", "rebar", "cd"].includes(c.name)),
    )
    .map((i) => i.index);
}

/** `erl -pa ebin deps/*\/ebin …`: compiled code started with erl from the project folder. */
function planErl(ctx: TransformContext): TransformPlan | LeaveAlone | null {
  const entry = entryProgram(ctx);
  if (!entry || !/^((\/usr\/local|\/usr)?\/bin\/)?erl$/.test(entry.program)) return null;
  const base = ctx.facts.base!;
  const info = ctx.facts.baseInfo;
  if (info?.family !== "erlang")
    return leave(
      "unsupported",
      `erl comes from ${base.ref}, not the erlang image: no slim image with the same Erlang is known`,
    );
  if (info.distro !== "debian" || /(^|-)slim/.test(base.tag))
    return leave(
      "unsupported",
      `${base.ref} is already the small variant: a second stage would save nothing`,
    );
  const dir = ctx.facts.finalWorkdir;
  if (dir === "/")
    return leave("artifact-unknown", "erl runs from /: the project folder to copy is unknown");
  const build = ctx.facts.lines.filter((l) => l.role === "build").pop();
  return {
    runtimeClass: "erlang-slim",
    runtimeWhy:
      "erl runs the compiled code: the same Erlang release without compilers and build tools",
    imageVars: { repo: base.name, version: base.tag || "latest" },
    artifacts: [
      {
        from: dir,
        to: dir,
        why: `the project folder: erl loads the compiled modules (ebin, deps/*/ebin) and priv files from it`,
        rule: "erl-code-path",
        line: build?.line ?? 1,
      },
    ],
    builderOnly: tailSteps(ctx, build?.index ?? 0),
    needsShell: true,
    evidence: [
      {
        rule: "erl-entry",
        match: [entry.program, ...entry.args].join(" ").slice(0, 100),
        why: `the image starts erl on code compiled in ${dir}`,
      },
    ],
    notes: [
      `the whole ${dir} is copied: erl's code path (-pa) and the applications' priv folders are inside it`,
    ],
  };
}

const elixir: Transform = {
  id: "elixir",
  describe:
    "Elixir/Erlang releases built with mix release / rebar3 as prod release, and erl on compiled code",
  detect(ctx) {
    const { score, evidence } = scoreEcosystem(ctx, "elixir", [
      "elixir",
      "erlang",
      "erlang-base",
      "erlang-dev",
      "rebar3",
    ]);
    return score > 0 ? { ecosystem: "elixir", score, evidence } : null;
  },
  plan(ctx) {
    const rel = releaseCommand(ctx);
    if (rel && "leave" in rel) return rel;
    if (rel) return planRelease(ctx, rel);
    const erl = planErl(ctx);
    if (erl) return erl;
    return leave(
      "artifact-unknown",
      "no `mix release` or `rebar3 as <profile> release` is seen: compiled BEAM code without a release needs the toolchain to start",
    );
  },
};
export default elixir;
