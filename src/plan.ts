// Plan: from the facts and the chosen transform's plan, the full runtime stage.
import {
  healthcheckCommand,
  IMAGE_CONFIG,
  imageInfo,
  isBuildOnlyPackage,
  readImageRef,
} from "./analyse.js";
import { contextCopies, covers, entryProgram, toolchainAtRuntime } from "./artifacts.js";
import { images, packages } from "./data.js";
import { parseShell } from "./parse/shell.js";
import { transforms } from "./registry.js";
import { isLeave, leave, type LeaveAlone, type TransformContext } from "./transform.js";
import type { ConvertOptions, Detection, InstructionNode, RuntimePlan } from "./types.js";

/** Programs a step after the build may run in the runtime stage without the toolchain. */
const RUNTIME_SAFE = new Set([
  ...images.shellPrograms,
  "useradd",
  "adduser",
  "groupadd",
  "addgroup",
  "usermod",
  "update-ca-certificates",
  "setcap",
  "locale-gen",
  "apt-get",
  "apt",
  "apk",
  "yum",
  "dnf",
  "microdnf",
  "rm",
  "set",
  "export",
  "cd",
  "ldconfig",
  "chgrp",
  "install",
  "[",
  "exit",
  "unlink",
  "gosu",
  "su-exec",
]);

export interface Planned {
  detection: Detection;
  detections: Detection[];
  plan: RuntimePlan;
  lastBuild: number;
  builderName: string;
  /** Alias the original FROM already has (kept as the builder's name). */
  existingAlias: string | null;
}

/**
 * An absolute path named by the command the image runs (`-c /deploy/app.conf`) that a COPY from
 * the build context put in the builder, while no artifact or later COPY brings it to the runtime.
 */
function contextFileLeftBehind(
  ctx: TransformContext,
  artifacts: { to: string }[],
  lastBuild: number,
): { path: string; line: number } | null {
  const words: string[] = [];
  for (const spec of [ctx.facts.entrypoint, ctx.facts.cmd]) {
    if (!spec) continue;
    const texts = spec.form === "exec" ? spec.words : [spec.raw];
    for (const t of texts) {
      if (!/\s/.test(t)) words.push(t);
      else for (const c of parseShell(t, 0, "/").commands) words.push(c.name, ...c.args);
    }
  }
  const copies = contextCopies(ctx);
  for (const w of words) {
    const path = w.replace(/^-[-\w]*=/, "");
    if (!path.startsWith("/") || path.includes("$") || path === "/") continue;
    if (artifacts.some((a) => covers(a.to, path))) continue;
    const copy = copies.find((c) => covers(c.dest, path));
    if (!copy || copy.index > lastBuild) continue;
    return { path, line: copy.line };
  }
  return null;
}

/** Commands that add a package source (apt-key alone only trusts a key: not counted). */
const REPO_COMMANDS = new Set(["add-apt-repository", "apt-add-repository", "yum-config-manager"]);

export function planConversion(
  ctx: TransformContext,
  options: ConvertOptions,
): Planned | LeaveAlone {
  const { doc, facts } = ctx;
  if (doc.stageCount > 1)
    return leave("already-multi-stage", `the file already has ${doc.stageCount} stages`);
  const onbuild = doc.instructions.find((i) => i.keyword === "ONBUILD");
  if (onbuild)
    return leave(
      "onbuild-parent",
      "ONBUILD triggers make this a parent image for other builds",
      onbuild.line,
    );
  if (facts.baseInfo?.distro === "windows") return windowsLeave(ctx);
  if (facts.base?.name === "scratch")
    return leave("nothing-built", "the image starts FROM scratch");
  const atRuntime = toolchainAtRuntime(ctx);
  if (atRuntime)
    return leave(
      "toolchain-at-runtime",
      `the image runs \`${atRuntime}\` at start, which needs the toolchain`,
    );
  const builds = facts.lines.filter((l) => l.role === "build" || l.role === "artifact");
  if (builds.length === 0) return leave("nothing-built", "no build step found: nothing to split");
  const unparsed = doc.instructions.find((i) => i.keyword === "RUN" && i.shellErrors.length > 0);
  if (unparsed)
    return leave(
      "parse-error",
      `the shell of line ${unparsed.line} could not be parsed (${unparsed.shellErrors[0]})`,
      unparsed.line,
    );

  const detections = transforms
    .map((t) => ({ t, d: t.detect(ctx) }))
    .filter((x): x is { t: (typeof transforms)[number]; d: Detection } => x.d !== null)
    .sort((a, b) => b.d.score - a.d.score);
  const minScore = ctx.config.policy?.minScore ?? 4;
  const best = detections[0];
  if (!best || best.d.score < minScore) {
    return leave(
      "no-ecosystem",
      best
        ? `the best match (${best.d.ecosystem}, score ${best.d.score}) is below the threshold ${minScore}`
        : "no ecosystem module recognises the build",
    );
  }
  const tp = best.t.plan(ctx);
  if (isLeave(tp)) return tp;

  // reduce, not Math.max(...xs): a huge spread overflows the stack.
  const lastBuild = builds.reduce((m, l) => Math.max(m, l.index), -Infinity);
  const builderOnly = new Set(tp.builderOnly ?? []);
  const carried: number[] = [];
  const tailProblems: string[] = [];
  let needsShell = tp.needsShell ?? false;
  for (const ins of doc.instructions) {
    // Not the FROM, nor global ARGs before it (referencedGlobalArgs re-declares those).
    if (ins.stage < 0 || ins.keyword === "FROM" || builderOnly.has(ins.index)) continue;
    const role = facts.lines[ins.index]!.role;
    if (ins.index > lastBuild) {
      if (ins.keyword === "RUN") {
        if (role === "cleanup") {
          builderOnly.add(ins.index);
          continue;
        }
        const unsafe = ins.commands
          .map((c) => c.name)
          .filter((n) => !RUNTIME_SAFE.has(n) && !n.startsWith("/"));
        if (unsafe.length)
          tailProblems.push(`line ${ins.line} runs ${unsafe.join(", ")} after the build`);
        needsShell = true;
      }
      continue; // the tail stays where it is and becomes the runtime stage's end
    }
    if (ins.keyword === "RUN" && role === "runtime-setup") {
      carried.push(ins.index);
      needsShell = true;
    } else if (IMAGE_CONFIG.has(ins.keyword)) {
      carried.push(ins.index);
    }
  }
  // A package repository added by a step that stays in the builder: carried installs after it
  // would look for packages the runtime stage's sources do not have (or get other versions).
  const repoLine = doc.instructions.find(
    (i) =>
      i.keyword === "RUN" &&
      !carried.includes(i.index) &&
      i.commands.some((c) => REPO_COMMANDS.has(c.name) || /\/etc\/apt\/sources\.list/.test(c.text)),
  );
  const installsAfter =
    repoLine &&
    carried.find(
      (i) =>
        i > repoLine.index &&
        doc.instructions[i]!.keyword === "RUN" &&
        facts.lines[i]!.role === "runtime-setup",
    );
  if (repoLine && installsAfter !== undefined)
    return leave(
      "unsupported",
      `line ${repoLine.line} adds a package repository that line ${doc.instructions[installsAfter]!.line} installs from after it; carrying the repository to the runtime stage is not supported`,
      repoLine.line,
    );
  const missing = contextFileLeftBehind(ctx, tp.artifacts, lastBuild);
  if (missing)
    return leave(
      "artifact-unknown",
      `the command the image runs reads ${missing.path}, copied from the build context by line ${missing.line}, and the runtime stage would not have it`,
      missing.line,
    );
  if (tailProblems.length)
    return leave(
      "unsupported",
      `steps after the last build need tools the runtime image may lack: ${tailProblems.join("; ")}`,
    );

  // ENV that only steers the build is dropped unless something carried refers to it.
  const carriedText = [
    ...carried,
    ...doc.instructions.filter((i) => i.index > lastBuild).map((i) => i.index),
  ]
    .map((i) => doc.instructions[i]!)
    .filter((i) => i.keyword !== "ENV")
    .map((i) => i.raw)
    .join("\n");
  const droppedEnv = facts.env
    .map(([k]) => k)
    .filter(
      (k) => packages.builderOnlyEnv.includes(k) && !new RegExp(`\\$\\{?${k}\\b`).test(carriedText),
    );

  // Shell needs: shell-form commands and health checks, scripts, steps that run in the runtime.
  const shellForm = [facts.entrypoint, facts.cmd].some((c) => c?.form === "shell");
  const health = doc.instructions.some(
    (i) => i.keyword === "HEALTHCHECK" && !/^\s*(NONE|.*CMD\s*\[)/i.test(i.args),
  );
  const entry = entryProgram(ctx);
  // No command at all: a toolbox image people run with their own command; keep a shell for it.
  if (!entry || shellForm || health || entry.program.endsWith(".sh")) needsShell = true;

  const runtime = runtimePackages(ctx, carried, lastBuild, new Set(tp.builderOnlyPackages ?? []));
  if ("leave" in runtime) return runtime;
  if (runtime.names.length) needsShell = true;

  const chosen = chooseImage(ctx, tp.runtimeClass, needsShell, options, tp.imageVars ?? {});
  if ("leave" in chosen) return chosen;

  // Artifacts that a step of the tail copies from the context are already there.
  const tailDests = contextCopies(ctx)
    .filter((c) => c.index > lastBuild)
    .map((c) => c.dest);
  const inTail = (p: string) =>
    tailDests.some((d) => d === p || (d.endsWith("/") && p.startsWith(d)));
  const artifacts = tp.artifacts.filter((a) => !(a.rule === "entry-script" && inTail(a.to)));
  const extraSteps = [
    ...installStep(ctx.facts.packageManager, runtime.names),
    ...(tp.extraSteps ?? []),
  ];

  const plan: RuntimePlan = {
    ecosystem: best.d.ecosystem,
    image: chosen.image,
    imageWhy:
      chosen.why.startsWith("--") || chosen.why.startsWith("config")
        ? chosen.why
        : `${tp.runtimeWhy} (${chosen.why})`,
    imageInfo: imageInfo(readImageRef(chosen.image)),
    artifacts,
    runtimePackages: runtime.names,
    carried,
    builderOnly: [...builderOnly].sort((a, b) => a - b),
    ...(tp.builderSteps?.length ? { builderSteps: tp.builderSteps } : {}),
    droppedEnv,
    extraSteps,
    ...(tp.afterCopySteps?.length ? { afterCopySteps: tp.afterCopySteps } : {}),
    declaredChanges: tp.declaredChanges ?? [],
    notes: [...(tp.notes ?? []), ...runtime.notes],
  };
  const existingAlias = facts.base?.alias ?? null;
  return {
    detection: { ...best.d, evidence: [...best.d.evidence, ...(tp.evidence ?? [])] },
    detections: detections.map((d) => d.d),
    plan,
    lastBuild,
    builderName: existingAlias ?? options.builderName ?? "builder",
    existingAlias,
  };
}

/**
 * Windows images are left alone, with the reason that fits: the smaller Windows runtime base is
 * Nano Server of the same release, which lacks what Server Core builds usually rely on.
 */
function windowsLeave(ctx: TransformContext): LeaveAlone {
  const base = ctx.facts.base!;
  const ref = `${base.name}:${base.tag}`.toLowerCase();
  const shell = ctx.doc.instructions.find((i) => i.keyword === "SHELL");
  const shellName = shell?.exec?.[0] ?? "";
  const ps = /powershell|pwsh/i.test(shellName) ? ` (SHELL ${shellName})` : "";
  if (ref.includes("nanoserver"))
    return leave(
      "unsupported",
      `Windows: the base ${base.ref} is already Nano Server, the smallest Windows base; splitting would mean building on a Server Core image of the same Windows release instead, a change of the image the build steps run on that is not made automatically`,
    );
  return leave(
    "unsupported",
    `Windows: ${base.ref} is Windows Server Core${ps}; the smaller runtime base would be Nano Server of the same release, which has no PowerShell (since 1709), no .NET Framework, no 32-bit (WoW64) support and no MSI installs, and whether the program runs without them cannot be told from the Dockerfile`,
  );
}

/** Packages the runtime stage installs: runtime packages of build RUNs and -dev counterparts. */
function runtimePackages(
  ctx: TransformContext,
  carried: number[],
  lastBuild: number,
  buildOnly: Set<string>,
): { names: string[]; notes: string[] } | LeaveAlone {
  const names: string[] = [];
  const notes: string[] = [];
  // Packages that carried or tail steps install already need no second install.
  const installed = new Set<string>();
  const release = ctx.facts.baseInfo?.release ?? "default";
  const usedAtRuntime = ctx.doc.instructions
    .filter((i) => i.index > lastBuild || ["CMD", "ENTRYPOINT", "HEALTHCHECK"].includes(i.keyword))
    .map((i) => i.raw)
    .join(" ");
  for (const line of ctx.facts.lines) {
    if (carried.includes(line.index) || line.index > lastBuild) {
      for (const p of line.packages) for (const n of p.names) installed.add(n);
      continue;
    }
    for (const { manager, names: pkgs } of line.packages) {
      const table =
        packages.runtimeCounterparts[
          manager === "dnf" || manager === "microdnf" ? "yum" : manager
        ] ?? {};
      for (const p of pkgs) {
        if (buildOnly.has(p)) continue;
        if (packages.downloadTools.includes(p)) {
          if (new RegExp(`\\b${p}\\b`).test(usedAtRuntime)) names.push(p);
          continue;
        }
        if (!isBuildOnlyPackage(manager, p)) {
          names.push(p);
          continue;
        }
        if (!p.endsWith(packages.devSuffix[manager] ?? "-dev")) continue;
        if (packages.headersOnly.includes(p)) continue;
        const c = table[p];
        if (c === undefined) {
          return leave(
            "runtime-library-unknown",
            `line ${line.line} installs ${p}; its runtime library is not in data/packages.yaml, so the runtime stage cannot be made safely`,
            line.line,
          );
        }
        const name = typeof c === "string" ? c : (c[release] ?? c["default"]);
        if (!name)
          return leave(
            "runtime-library-unknown",
            `no runtime package for ${p} on ${release}`,
            line.line,
          );
        names.push(name);
        notes.push(`${p} (line ${line.line}) → ${name} at run time`);
      }
    }
  }
  // A health check that calls curl or wget needs it at run time, wherever the builder got it.
  const health = ctx.doc.instructions.filter((i) => i.keyword === "HEALTHCHECK").pop();
  const probe = health ? healthcheckCommand(health.args)?.program : undefined;
  if (probe && packages.downloadTools.includes(probe) && !names.includes(probe)) {
    names.push(probe);
    notes.push(`${probe}: the HEALTHCHECK runs it`);
  }
  return { names: [...new Set(names)].filter((n) => !installed.has(n)), notes };
}

function installStep(manager: string | null, names: string[]): string[] {
  if (names.length === 0) return [];
  const list = names.join(" ");
  if (manager === "apk") return [`RUN apk add --no-cache ${list}`];
  if (manager === "yum" || manager === "dnf" || manager === "microdnf")
    return [`RUN ${manager} install -y ${list} && ${manager} clean all`];
  return [
    `RUN apt-get update && apt-get install -y --no-install-recommends ${list} && rm -rf /var/lib/apt/lists/*`,
  ];
}

function chooseImage(
  ctx: TransformContext,
  runtimeClass: string,
  needsShell: boolean,
  options: ConvertOptions,
  vars: Record<string, string>,
): { image: string; why: string } | LeaveAlone {
  const base = ctx.facts.base!;
  if (options.runtimeImage) return { image: options.runtimeImage, why: "--runtime-image" };
  const user = ctx.config.runtimeImages ?? {};
  for (const [pattern, image] of Object.entries(user)) {
    const re = new RegExp(
      "^" + pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*") + "$",
    );
    if (re.test(base.ref) || re.test(`${base.name}:${base.tag}`))
      return { image, why: `config runtimeImages["${pattern}"]` };
  }
  const info = ctx.facts.baseInfo;
  let cls = runtimeClass;
  if (cls === "static" && needsShell) cls = "static-shell";
  if (user[cls]) return { image: user[cls]!, why: `config runtimeImages["${cls}"]` };
  const table = images.runtimeImages[cls];
  const distro = info?.distro ?? "unknown";
  const template = table?.[distro] ?? table?.["any"];
  if (!template)
    return leave(
      "unsupported",
      `no runtime image is known for ${cls} programs built on ${distro} (${base.ref})`,
    );
  const release = info?.release ?? images.defaultCodename;
  const image = template
    .replace("{codename}", release)
    .replace("{release}", release)
    .replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
  if (/\{\w+\}/.test(image))
    return leave("unsupported", `the runtime image ${image} has a placeholder nothing fills`);
  const why = `${cls}${cls !== runtimeClass ? " (a shell is needed)" : ""} on ${distro}${info?.release ? " " + info.release : ""}`;
  return { image, why };
}

/** Global ARGs (declared before FROM) that these instructions refer to: each stage re-declares them. */
export function referencedGlobalArgs(ctx: TransformContext, ins: InstructionNode[]): string[] {
  const text = ins.map((i) => i.raw).join("\n");
  return Object.keys(ctx.doc.globalArgs).filter((k) => new RegExp(`\\$\\{?${k}\\b`).test(text));
}
