// .NET (C#, F#, VB) applications published with `dotnet publish` on an SDK image. The runtime
// stage is the .NET image of the same major.minor and OS variant without the SDK: aspnet for web
// applications (and when it cannot be told: it is a superset of runtime), runtime for console
// programs, runtime-deps for self-contained and native AOT publishes. Mono and DNX builds are left
// alone.
import { posix } from "node:path";
import { allCommands, entryProgram, option, scoreEcosystem } from "../src/artifacts.js";
import { resolvePath } from "../src/parse/shell.js";
import { leave, type Transform, type TransformContext } from "../src/transform.js";
import type { ArtifactCopy, Evidence, InstructionNode, ShellCommand } from "../src/types.js";

const base = (name: string) => name.replace(/^.*\//, "");
const CODENAMES = ["trixie", "bookworm", "bullseye", "buster", "stretch", "jessie"];
/** Commands that only print: debug lines after the publish stay in the builder. */
const DEBUG_ONLY = new Set(["pwd", "ls", "dir", "tree", "echo", "du", "find", "cat", "printenv"]);
/** Names of console programs (`dotnet new worker/console`): the runtime image is enough. */
const CONSOLE_NAME = /(worker|console|cli|job|batch|daemon|tool|consumer|processor)([^a-z]|$)/i;
const WEB_NAME = /(aspnet|microsoft\.aspnetcore|\bweb|api\b|mvc|razor|blazor)/i;

interface Publish {
  ins: InstructionNode;
  cmd: ShellCommand;
  /** The output folder (absolute), or null without -o. */
  out: string | null;
  selfContained: boolean;
  why: string;
  rid?: string;
}

/** `8.0-alpine` → 8.0 and -alpine; `2.1-sdk-stretch` → 2.1 (Docker Hub style, debian default). */
export function dotnetTag(
  name: string,
  tag: string,
): { scheme: "mcr" | "core" | "hub" | "hub-old"; version: string; suffix: string } | null {
  const t = tag.toLowerCase();
  const m = /^(\d+)\.(\d+)/.exec(t);
  if (!m) return null;
  const version = `${m[1]}.${m[2]}`;
  const major = Number(m[1]);
  const rest = t.slice(m[0].length).replace(/^(\.\d+)+/, "");
  if (/nanoserver|windowsservercore/.test(rest)) return null;
  const alpine = /-(alpine[\d.]*)/.exec(rest)?.[1];
  if (name === "microsoft/dotnet") {
    if (!/(^|-)sdk($|-)/.test(rest)) return null;
    if (major >= 3) return null;
    const scheme = major === 2 && Number(m[2]) >= 1 ? "hub" : "hub-old";
    // 2.1/2.2 runtime tags name their Debian release with -slim (2.1-aspnetcore-runtime-stretch-slim).
    const codename = CODENAMES.find((c) => rest.includes(c));
    const os = alpine ? `-${alpine}` : codename && scheme === "hub" ? `-${codename}-slim` : "";
    return { scheme, version, suffix: os };
  }
  const scheme = name.includes("/core/") ? "core" : "mcr";
  let suffix = "";
  if (alpine) suffix = `-${alpine}`;
  else {
    const codename = CODENAMES.find((c) => rest.includes(c));
    const other = /^-([a-z][a-z0-9.-]*?)(-slim)?(-(amd64|arm64v8|arm32v7))?$/.exec(rest);
    if (codename) suffix = `-${codename}-slim`;
    else if (other) suffix = `-${other[1]}`;
    else if (rest !== "") return null;
  }
  return { scheme, version, suffix };
}

/** True when a word like `--self-contained`, `--sc`, `-p:SelfContained=true` says so. */
function flagValue(args: string[], names: string[], property: string): boolean | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const lower = a.toLowerCase();
    for (const n of names) {
      if (a === n) {
        const next = args[i + 1]?.toLowerCase();
        return next === "false" ? false : true;
      }
      if (a.startsWith(n + "=") || a.startsWith(n + ":")) return lower.endsWith("true");
    }
    const prop = new RegExp(`^[-/]p(roperty)?:${property}=(\\w+)$`, "i").exec(a);
    if (prop) return prop[2]!.toLowerCase() === "true";
  }
  return null;
}

function publishes(ctx: TransformContext, sdkMajor: number): Publish[] {
  const out: Publish[] = [];
  for (const { ins, cmd } of allCommands(ctx)) {
    if (base(cmd.name) !== "dotnet") continue;
    const words = cmd.args;
    if (words.filter((w) => !w.startsWith("-"))[0] !== "publish") continue;
    const outArg = option(words, ["-o", "--output"]);
    // The project or solution named after `publish` (not an option's value).
    let project: string | undefined;
    const withValue =
      /^(-o|--output|-c|--configuration|-r|--runtime|-f|--framework|-v|--verbosity|-a|--arch|--os)$/;
    let seenPublish = false;
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (withValue.test(w)) {
        i++;
        continue;
      }
      if (w.startsWith("-") || w.startsWith("/")) continue;
      if (!seenPublish) {
        seenPublish = w === "publish";
        continue;
      }
      project = w;
      break;
    }
    let dir: string | null = null;
    if (outArg) {
      // SDKs before 3.0 resolved a relative -o against the project's folder, not the current one.
      const projectDir =
        project && sdkMajor < 3
          ? resolvePath(
              cmd.cwd,
              /\.(cs|fs|vb)proj$|\.sln$/.test(project) ? posix.dirname(project) : project,
            )
          : cmd.cwd;
      dir = resolvePath(projectDir, outArg).replace(/\/$/, "") || "/";
    }
    const rid = option(words, ["-r", "--runtime"]);
    const aot = flagValue(words, [], "PublishAot") === true;
    const sc = flagValue(words, ["--self-contained", "--sc"], "SelfContained");
    const noSc = words.includes("--no-self-contained");
    let selfContained = false;
    let why = "framework-dependent: it runs on a shared .NET runtime";
    if (aot) {
      selfContained = true;
      why = "native AOT (PublishAot): a native program that needs no .NET runtime";
    } else if (sc === true && !noSc) {
      selfContained = true;
      why = "self-contained: the .NET runtime is published with the program";
    } else if (rid && sc === null && !noSc && sdkMajor < 8) {
      selfContained = true;
      why = `-r ${rid} implies a self-contained publish before the .NET 8 SDK`;
    }
    out.push({ ins, cmd, out: dir, selfContained, why, ...(rid ? { rid } : {}) });
  }
  return out;
}

const inside = (dir: string, p: string) => p === dir || p.startsWith(dir === "/" ? "/" : dir + "/");

function hasSdkImage(ctx: TransformContext): boolean {
  return ctx.facts.baseInfo?.family === "dotnet-sdk";
}

const dotnet: Transform = {
  id: "dotnet",
  describe: ".NET applications published with `dotnet publish` on an SDK image",
  detect(ctx) {
    const fam = ctx.facts.baseInfo?.family;
    const { score, evidence } = scoreEcosystem(ctx, "dotnet", []);
    if (score === 0) return null;
    const e = entryProgram(ctx);
    let bonus = 0;
    if (e && ["dotnet", "mono"].includes(base(e.program))) {
      bonus = 2;
      evidence.push({
        rule: "dotnet-entry",
        match: [e.program, ...e.args].join(" "),
        why: "the image runs a .NET program",
      });
    } else if (!e && fam === "dotnet-sdk") bonus = 1;
    return { ecosystem: "dotnet", score: score + bonus, evidence };
  },
  plan(ctx) {
    const ref = ctx.facts.base!;
    const fam = ctx.facts.baseInfo?.family;
    const entry = entryProgram(ctx);
    const mono =
      fam === "mono" ||
      allCommands(ctx).some(({ cmd }) => ["xbuild", "msbuild", "mono"].includes(base(cmd.name))) ||
      (entry !== null && base(entry.program) === "mono");
    if (mono)
      return leave(
        "unsupported",
        `Mono build (${ref.ref}; xbuild/msbuild, \`mono X.exe\`): the Mono runtime image to run on and the files the program loads beside the .exe cannot be told from the Dockerfile`,
      );
    const dnx = allCommands(ctx).find(({ cmd }) => ["dnu", "dnx", "kpm"].includes(base(cmd.name)));
    if (dnx)
      return leave(
        "unsupported",
        `line ${dnx.ins.line} uses DNX (ASP.NET 5 pre-release tooling): no runtime image exists for it`,
        dnx.ins.line,
      );
    if (!hasSdkImage(ctx))
      return leave(
        "unsupported",
        `the .NET SDK comes from elsewhere than a .NET SDK image (${ref.ref}): the runtime image to use is unknown`,
      );
    const tag = dotnetTag(ref.name, ref.tag);
    if (!tag)
      return leave(
        "unsupported",
        `the .NET version or OS variant is not in the tag of ${ref.ref}: the runtime image to run on is unknown`,
      );
    const sdkMajor = Number(tag.version.split(".")[0]);
    const all = publishes(ctx, sdkMajor);
    if (all.length === 0)
      return leave(
        "nothing-built",
        "no `dotnet publish` is seen: `dotnet build` output is not a deployable folder",
      );
    const unknownOut = all.find((p) => p.out === null);
    if (unknownOut)
      return leave(
        "artifact-unknown",
        `line ${unknownOut.ins.line} publishes without -o: the output folder depends on the project's target framework, which the Dockerfile does not show`,
        unknownOut.ins.line,
      );

    const workdir = ctx.facts.finalWorkdir;
    const evidence: Evidence[] = [];
    const notes: string[] = [];
    let chosen: Publish[] = all;
    let entryDll: string | null = null;
    if (entry) {
      const prog = base(entry.program);
      let target: string;
      if (prog === "dotnet") {
        const dll = entry.args.find((a) => !a.startsWith("-"));
        if (!dll || !/\.dll$/i.test(dll))
          return leave(
            "artifact-unknown",
            `the image runs \`dotnet ${entry.args.join(" ")}\`, not a published .dll`,
          );
        target = resolvePath(workdir, dll);
        entryDll = target;
      } else {
        target = resolvePath(workdir, entry.program);
      }
      const by = all.filter((p) => inside(p.out!, posix.dirname(target)));
      if (by.length === 0)
        return leave(
          "artifact-unknown",
          `the image runs ${target}, which is not in a folder \`dotnet publish -o\` writes (${all.map((p) => p.out).join(", ")})`,
        );
      chosen = [by[by.length - 1]!];
      if (
        prog !== "dotnet" &&
        !chosen[0]!.selfContained &&
        posix.dirname(target) !== chosen[0]!.out
      )
        return leave(
          "artifact-unknown",
          `the image runs ${target}, which is not the program the publish writes`,
        );
      evidence.push({
        rule: "dotnet-publish-entry",
        match: [entry.program, ...entry.args].join(" "),
        why: `runs ${target}, written by line ${chosen[0]!.ins.line}`,
      });
    } else {
      notes.push(
        `no CMD or ENTRYPOINT: both images start the base image's default (bash); the published folder${all.length > 1 ? "s" : ""} and the working directory stay where they were, so \`docker run <image> dotnet <app>.dll\` still works, but commands that need the SDK (dotnet build, dotnet run) no longer do`,
      );
    }

    const selfContained = chosen.filter((p) => p.selfContained);
    if (selfContained.length && selfContained.length !== chosen.length)
      return leave(
        "unsupported",
        "some publishes are self-contained and some are not: no one runtime image fits both",
      );
    let kind: "aspnet" | "runtime" | "runtime-deps";
    let kindWhy: string;
    if (selfContained.length) {
      if (entryDll)
        return leave(
          "unsupported",
          `line ${selfContained[0]!.ins.line} publishes self-contained but the image starts it with \`dotnet\`: the runtime-deps image has no dotnet host`,
          selfContained[0]!.ins.line,
        );
      const rid = selfContained[0]!.rid ?? "";
      const musl = rid.includes("musl");
      if (musl !== tag.suffix.startsWith("-alpine"))
        return leave(
          "unsupported",
          `the runtime identifier ${rid || "(none)"} and the SDK image's OS (${ref.ref}) disagree: the runtime-deps variant is unknown`,
        );
      kind = "runtime-deps";
      kindWhy = `${selfContained[0]!.why}: runtime-deps holds only the libraries .NET needs`;
    } else {
      const env = ctx.facts.env.map(([k]) => k).filter((k) => /^ASPNETCORE_/i.test(k));
      const expose = ctx.doc.instructions
        .filter((i) => i.keyword === "EXPOSE")
        .flatMap((i) => i.args.split(/\s+/).filter(Boolean));
      const names = [
        ...chosen.map((p) => p.cmd.text),
        ...(entry ? [entry.program, ...entry.args] : []),
      ].join(" ");
      const webName = WEB_NAME.exec(names)?.[0];
      const consoleName = CONSOLE_NAME.exec(
        entryDll ? posix.basename(entryDll) : chosen.map((p) => p.cmd.text).join(" "),
      )?.[0];
      if (env.length) {
        kind = "aspnet";
        kindWhy = `ASP.NET Core settings (${env.join(", ")}) mark a web application: aspnet`;
      } else if (expose.length) {
        kind = "aspnet";
        kindWhy = `the image listens on ${expose.join(", ")} (EXPOSE): taken for an ASP.NET Core web application, aspnet`;
      } else if (webName) {
        kind = "aspnet";
        kindWhy = `the names mention ${webName}: a web application, aspnet`;
      } else if (consoleName) {
        kind = "runtime";
        kindWhy = `no port, no ASP.NET Core setting and the program is named like a console program (${consoleName.replace(/[^a-z]$/i, "")}): runtime`;
      } else {
        kind = "aspnet";
        kindWhy =
          "the project's SDK (Web or not) is in the .csproj, which the Dockerfile does not show: aspnet, which holds the runtime too, so a console program runs on it as well";
      }
    }
    evidence.push({
      rule: "dotnet-runtime-kind",
      match: chosen.map((p) => p.cmd.text.slice(0, 80)).join("; "),
      why: kindWhy,
    });

    // What the runtime stage gets: the publish folders, and the working directory when the
    // program runs from elsewhere — .NET hosts take their content root (appsettings*.json,
    // wwwroot/) from the current directory, which the original image filled.
    const artifacts: ArtifactCopy[] = [];
    const dirs = new Set<string>();
    const keepWorkdir = workdir !== "/" && !chosen.some((p) => p.out === workdir);
    if (keepWorkdir) {
      const last = chosen[chosen.length - 1]!;
      artifacts.push({
        from: workdir,
        to: workdir,
        why: `the working directory: the program's content root (appsettings*.json, wwwroot/ are read from the current directory)${chosen.some((p) => inside(workdir, p.out!)) ? `, with the publish output ${chosen.map((p) => p.out).join(", ")}` : ""}`,
        rule: "dotnet-content-root",
        line: last.ins.line,
      });
      dirs.add(workdir);
      notes.push(
        `${entry ? "the program runs from" : "the image works in"} ${workdir}, not in its publish folder: the whole working directory is copied so files read relative to it stay where they were`,
      );
    }
    for (const p of chosen) {
      if ([...dirs].some((d) => inside(d, p.out!))) continue;
      dirs.add(p.out!);
      artifacts.push({
        from: p.out!,
        to: p.out!,
        why: `the output of \`${p.cmd.text.slice(0, 80)}\``,
        rule: "dotnet-publish",
        line: p.ins.line,
      });
    }

    // RUN lines after the publish that only print (pwd, ls, dir) stay in the builder.
    const lastPublish = Math.max(...chosen.map((p) => p.ins.index));
    const builderOnly = ctx.doc.instructions
      .filter(
        (i) =>
          i.keyword === "RUN" &&
          i.index > lastPublish &&
          i.commands.length > 0 &&
          i.commands.every((c) => DEBUG_ONLY.has(base(c.name))),
      )
      .map((i) => i.index);
    if (builderOnly.length)
      notes.push(
        `line ${builderOnly.map((i) => ctx.doc.instructions[i]!.line).join(", ")} only print${builderOnly.length === 1 ? "s" : ""} (debug output): kept in the builder`,
      );

    notes.push(
      "environment defaults of the .NET images (ASPNETCORE_URLS / ASPNETCORE_HTTP_PORTS, DOTNET_RUNNING_IN_CONTAINER) come from the runtime image as they came from the SDK image",
    );
    if (tag.scheme === "hub-old" && kind === "aspnet")
      notes.push(
        "microsoft/aspnetcore sets ASPNETCORE_URLS=http://+:80; the 1.x/2.0 SDK image did not, so an app that sets no URL of its own now listens on port 80 of all interfaces instead of localhost:5000",
      );
    const scheme = tag.scheme === "mcr" ? "" : `${tag.scheme}-`;
    return {
      runtimeClass: `dotnet-${scheme}${kind}`,
      runtimeWhy: `.NET ${tag.version} without the SDK: ${kindWhy}`,
      imageVars: { version: tag.version, suffix: tag.suffix },
      artifacts,
      builderOnly,
      evidence,
      notes,
    };
  },
};
export default dotnet;
