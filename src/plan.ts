// Plan: from the facts and the chosen transform's plan, the full runtime stage.
import {
  healthcheckCommand,
  IMAGE_CONFIG,
  imageInfo,
  isBuildOnlyPackage,
  readImageRef,
} from "./analyse.js";
import {
  contextCopies,
  unreadScripts,
  covers,
  entryProgram,
  envAt,
  lastBuildIndex,
  toolchainAtRuntime,
} from "./artifacts.js";
import { planCacheOrder } from "./cache-order.js";
import { removalChains } from "./chain.js";
import { images, matchesEntry, normaliseRepo, packages } from "./data.js";
import { debianRuntimeLibs } from "./debian-libs.js";
import { parseShell } from "./parse/shell.js";
import { repositoryStep } from "./apt-repository.js";
import { fitRuntime, LIBC_FREE_CLASSES, type Fitted } from "./release-fit.js";
import { withObserved, type ObservedPackages } from "./observed.js";
import { osRelease, type OsRelease } from "./releases.js";
import { transforms } from "./registry.js";
import { isLeave, leave, type LeaveAlone, type TransformContext } from "./transform.js";
import type {
  ArtifactCopy,
  ConvertOptions,
  Detection,
  InstructionNode,
  RuntimePlan,
  ShellCommand,
} from "./types.js";

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

/** `pip install`, `python -m pip install`, `npm ci`, `gem install`…: a package install. */
function installsPackages(c: ShellCommand): boolean {
  const words =
    /^python[\d.]*$|^pypy3?$/.test(c.name) && c.args[0] === "-m"
      ? c.args.slice(1)
      : [c.name, ...c.args];
  const [tool, sub] = [
    words[0]?.replace(/^.*\//, "") ?? "",
    words.find((w, i) => i > 0 && !w.startsWith("-")) ?? "",
  ];
  return (
    /^(pip[\d.]*|npm|yarn|pnpm|gem|bundle|bundler|composer|pecl|pear|easy_install|poetry|pipenv)$/.test(
      tool,
    ) && /^(install|i|ci|add|update|upgrade|sync|require)$/.test(sub)
  );
}

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

/**
 * npm/Yarn/pnpm workspaces: node_modules holds links to the members' folders. A runtime stage that
 * copies node_modules without those folders would start with dangling links, so it is not made.
 * Known from the build context's package.json (without a context this cannot be seen).
 */
function workspaceLinksLeftBehind(
  artifacts: { from: string }[],
  options: ConvertOptions,
): string | null {
  const context = options.context;
  if (!context || "unknown" in context) return null;
  const text = context.contents?.["package.json"];
  if (!text) return null;
  let pkg: { workspaces?: unknown };
  try {
    pkg = JSON.parse(text) as { workspaces?: unknown };
  } catch {
    return null;
  }
  const pnpm = context.files.includes("pnpm-workspace.yaml");
  if (pkg.workspaces === undefined && !pnpm) return null;
  const modules = artifacts.filter((a) => /\/node_modules\/?$/.test(a.from));
  const uncovered = modules.filter(
    (m) =>
      !artifacts.some((a) => a !== m && covers(a.from, m.from.replace(/\/node_modules\/?$/, ""))),
  );
  if (uncovered.length === 0) return null;
  return `the project is a workspace (package.json workspaces${pnpm ? ", pnpm-workspace.yaml" : ""}): ${uncovered[0]!.from} links to the members' folders, which the runtime stage would not get`;
}

const REPO_COMMANDS = new Set(["add-apt-repository", "apt-add-repository", "yum-config-manager"]);
/** Does a RUN add a package repository (a PPA, a vendor's apt source)? */
export function addsPackageRepository(ins: InstructionNode): boolean {
  return (
    ins.keyword === "RUN" &&
    ins.commands.some((c) => REPO_COMMANDS.has(c.name) || /\/etc\/apt\/sources\.list/.test(c.text))
  );
}

/** The first carried RUN after an instruction that installs packages. */
function firstCarriedInstall(
  ctx: TransformContext,
  carried: number[],
  after: number,
): number | undefined {
  return carried.find(
    (i) =>
      i > after &&
      ctx.doc.instructions[i]!.keyword === "RUN" &&
      ctx.facts.lines[i]!.role === "runtime-setup" &&
      ctx.facts.lines[i]!.packages.length > 0,
  );
}

type RepositoryCopy = NonNullable<RuntimePlan["repositoryFiles"]>[number];

/** Programs a repository step runs that the runtime image need not have. */
const FETCH_TOOLS = new Set(["curl", "wget", "gpg", "gpg2", "apt-key"]);

/**
 * Repository steps (a key fetched and trusted, a source written) whose repository a carried step
 * installs from. The runtime stage gets the files they wrote, copied from the builder, instead of
 * running them again without curl or gpg; a carried one that fetches is taken out of the carry.
 * Left alone when a step's files cannot be told.
 */
function carryRepositories(
  ctx: TransformContext,
  carried: number[],
  runtimeInstalls: boolean,
  lastBuild: number,
): RepositoryCopy[] | LeaveAlone {
  const out: RepositoryCopy[] = [];
  for (const ins of ctx.doc.instructions) {
    if (ins.keyword !== "RUN" || ins.index > lastBuild) continue;
    const step = repositoryStep(ins);
    if (!step) continue;
    const isCarried = carried.includes(ins.index);
    if (isCarried && !ins.commands.some((c) => FETCH_TOOLS.has(c.name))) continue;
    // Installed from it: a carried step after it, else the runtime packages the plan adds.
    const install =
      firstCarriedInstall(ctx, carried, ins.index) ?? (runtimeInstalls ? -1 : undefined);
    if (install === undefined) continue;
    // Placed before the first carried RUN after the step (a source line it needs the key for).
    const before =
      install < 0
        ? -1
        : carried.find((i) => i > ins.index && ctx.doc.instructions[i]!.keyword === "RUN")!;
    if (step.kind === "unknown")
      return leave(
        "unsupported",
        `line ${ins.line} sets up a package repository that ${install < 0 ? "the runtime stage's package install" : `line ${ctx.doc.instructions[install]!.line}`} may install from, and ${step.why}: it cannot be copied to the runtime stage`,
        ins.line,
      );
    if (isCarried) carried.splice(carried.indexOf(ins.index), 1);
    out.push({ step: ins.index, before, files: step.files });
  }
  return out;
}

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
      `the image runs \`${atRuntime.command}\` at start, which needs the toolchain${atRuntime.why ? `: ${atRuntime.why}` : ""}`,
    );
  const builds = facts.lines.filter((l) => l.role === "build" || l.role === "artifact");
  if (builds.length === 0)
    return leave("nothing-built", `no build step found: nothing to split${unreadScripts(ctx)}`);
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
  // --resolve: what the built builder showed settles what static reading could not (observed.ts).
  const tp = withObserved(ctx, best.t.plan(ctx), options.observed);
  if (isLeave(tp)) return tp;
  const workspace = workspaceLinksLeftBehind(tp.artifacts, options);
  if (workspace) return leave("unsupported", workspace);

  const lastBuild = lastBuildIndex(ctx);
  const builderOnly = new Set(tp.builderOnly ?? []);
  const carried: number[] = [];
  const tailSteps: { line: number; programs: string[]; installs: boolean }[] = [];
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
          tailSteps.push({
            line: ins.line,
            programs: [...new Set(unsafe)],
            installs: ins.commands.some(installsPackages),
          });
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
  // A carried apt install that relies on an earlier RUN's `apt-get update` would find no package
  // lists in the runtime image: that update (a RUN of package commands only) is carried too.
  const aptUpdates = (ins: InstructionNode) =>
    ins.commands.some((c) => /^apt(-get)?$/.test(c.name) && c.args.includes("update"));
  for (const i of [...carried]) {
    const ins = doc.instructions[i]!;
    const aptInstall = ins.commands.some(
      (c) => /^apt(-get)?$/.test(c.name) && c.args.includes("install"),
    );
    if (ins.keyword !== "RUN" || !aptInstall || aptUpdates(ins)) continue;
    const update = doc.instructions
      .slice(0, i)
      .reverse()
      .find((u) => u.keyword === "RUN" && aptUpdates(u));
    if (!update || carried.includes(update.index)) continue;
    if (!update.commands.every((c) => /^apt(-get)?$/.test(c.name)))
      return leave(
        "unsupported",
        `line ${ins.line} installs packages with the lists line ${update.line} fetched, and line ${update.line} does more than that`,
        ins.line,
      );
    carried.push(update.index);
  }
  carried.sort((a, b) => a - b);
  // A carried step that adds a repository runs in the runtime stage with what the carried steps
  // before it installed: the tool it calls must come from one of them (or the image).
  for (const i of carried) {
    const ins = doc.instructions[i]!;
    if (!addsPackageRepository(ins)) continue;
    for (const c of ins.commands) {
      const owners = packages.programPackages[c.name];
      if (!owners) continue;
      const installedBefore = carried.some(
        (j) =>
          j < i && facts.lines[j]!.packages.some((u) => u.names.some((n) => owners.includes(n))),
      );
      if (!installedBefore)
        return leave(
          "unsupported",
          `line ${ins.line} adds a package repository with ${c.name}, whose package (${owners.join(", ")}) the runtime stage would not have installed before it`,
          ins.line,
        );
    }
  }
  // A RUN that installs, builds and removes packages: split only where the split is clear.
  const chains = removalChains(
    ctx,
    carried,
    lastBuild,
    tp.artifacts.map((a) => a.from),
    envAt(ctx, lastBuild + 1),
  );
  if ("leave" in chains) return chains;
  const missing = contextFileLeftBehind(ctx, tp.artifacts, lastBuild);
  if (missing)
    return leave(
      "artifact-unknown",
      `the command the image runs reads ${missing.path}, copied from the build context by line ${missing.line}, and the runtime stage would not have it`,
      missing.line,
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

  const runtime = runtimePackages(
    ctx,
    carried,
    lastBuild,
    new Set(tp.builderOnlyPackages ?? []),
    tp.observedPackages,
    options.provisional === true,
  );
  if ("leave" in runtime) return runtime;
  for (const p of tp.runtimePackages ?? []) if (!runtime.names.includes(p)) runtime.names.push(p);
  if (runtime.names.length) needsShell = true;
  const repositoryFiles = carryRepositories(ctx, carried, runtime.names.length > 0, lastBuild);
  if ("leave" in repositoryFiles) return repositoryFiles;
  const copiedRepository = new Set(repositoryFiles.map((r) => r.step));
  // A package repository added by a step that stays in the builder: carried installs after it
  // would look for packages the runtime stage's sources do not have (or get other versions).
  const repoLine = doc.instructions.find(
    (i) => !carried.includes(i.index) && !copiedRepository.has(i.index) && addsPackageRepository(i),
  );
  const installsAfter = repoLine && firstCarriedInstall(ctx, carried, repoLine.index);
  if (repoLine && installsAfter !== undefined)
    return leave(
      "unsupported",
      `line ${repoLine.line} adds a package repository that line ${doc.instructions[installsAfter]!.line} installs from after it; carrying the repository to the runtime stage is not supported`,
      repoLine.line,
    );
  if (repoLine && repoLine.index < lastBuild && runtime.names.length)
    return leave(
      "unsupported",
      `line ${repoLine.line} adds a package repository, and the runtime stage installs ${runtime.names.join(", ")}, which may come from it; carrying the repository to the runtime stage is not supported`,
      repoLine.line,
    );

  const chosen = chooseImage(ctx, tp.runtimeClass, needsShell, options, tp.imageVars ?? {});
  if ("leave" in chosen) return chosen;
  // Steps after the build run in the runtime stage: only with programs its image has (its
  // interpreter: `python manage.py collectstatic`), never a package install.
  const interpreters = images.runtimeInterpreters[chosen.cls ?? tp.runtimeClass] ?? [];
  const tailProblems = tailSteps
    .map((t) => ({ ...t, lacking: t.programs.filter((p) => !interpreters.includes(p)) }))
    .filter((t) => t.lacking.length > 0 || t.installs)
    .map((t) =>
      t.lacking.length
        ? `line ${t.line} runs ${t.lacking.join(", ")} after the build`
        : `line ${t.line} installs packages after the build`,
    );
  if (tailProblems.length)
    return leave(
      "unsupported",
      `steps after the last build need tools the runtime image may lack: ${tailProblems.join("; ")}`,
    );

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

  // The engine's release pin, else the transform's own (a floating tag pinned to the Java it names).
  const builderImage =
    builderPin(ctx, chosen.cls ?? tp.runtimeClass, chosen.fitted) ?? tp.builderImage;
  const runtimeInfo = imageInfo(readImageRef(chosen.image));
  const afterCopySteps = [
    ...(tp.afterCopySteps ?? []),
    ...linkCheck(tp.runtimeClass, runtimeInfo?.shell ?? false, artifacts),
  ];
  const fit = chosen.fitted;
  const plan: RuntimePlan = {
    ecosystem: best.d.ecosystem,
    image: chosen.image,
    runtimeClass: chosen.cls ?? tp.runtimeClass,
    imageWhy:
      chosen.why.startsWith("--") || chosen.why.startsWith("config")
        ? chosen.why
        : `${tp.runtimeWhy} (${chosen.why})`,
    imageInfo: runtimeInfo,
    artifacts,
    runtimePackages: runtime.names,
    carried,
    ...(repositoryFiles.length ? { repositoryFiles } : {}),
    builderOnly: [...builderOnly].sort((a, b) => a - b),
    ...(tp.builderSteps?.length ? { builderSteps: tp.builderSteps } : {}),
    droppedEnv,
    extraSteps,
    ...(builderImage ? { builderImage } : {}),
    ...(fit?.builder
      ? {
          release: {
            builder: fit.builder.key,
            runtime: fit.runtime?.key ?? "",
            why: fit.why,
          },
        }
      : {}),
    ...(afterCopySteps.length ? { afterCopySteps } : {}),
    ...(tp.builderInserts?.length ? { builderInserts: tp.builderInserts } : {}),
    ...(tp.rewrites?.length ? { rewrites: tp.rewrites } : {}),
    declaredChanges: tp.declaredChanges ?? [],
    notes: [...(tp.notes ?? []), ...runtime.notes],
  };
  const cacheOrder = planCacheOrder(ctx, options, lastBuild);
  if (cacheOrder) plan.cacheOrder = cacheOrder;
  // A RUN the cache order rewrites keeps its text otherwise (whole is right too, only longer).
  const rewrites = [
    ...(tp.builderRewrites ?? []),
    ...chains.filter((c) => !tp.builderRewrites?.some((rw) => rw.index === c.index)),
  ].filter((rw) => !cacheOrder?.steps.some((st) => st.run === rw.index || st.copy === rw.index));
  if (rewrites.length) plan.builderRewrites = rewrites;
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
  observed: ObservedPackages | undefined,
  provisional: boolean,
): { names: string[]; notes: string[] } | LeaveAlone {
  const names: string[] = [];
  const notes: string[] = [];
  // Packages that carried or tail steps install already need no second install.
  const installed = new Set<string>();
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
        if (headersOnly(p)) continue;
        // Observed: the owners of the libraries the program loads replace the -dev guess.
        if (observed) continue;
        const found = runtimeLibraries(ctx, manager, p, table);
        if ("unknown" in found && provisional) continue; // to be observed in the built builder
        if ("unknown" in found)
          return leave(
            "runtime-library-unknown",
            `line ${line.line} installs ${p}; ${found.unknown}`,
            line.line,
          );
        if (found.names.length === 0) continue;
        names.push(...found.names);
        notes.push(
          `${p} (line ${line.line}) → ${found.names.join(", ")} at run time (${found.from})`,
        );
      }
    }
  }
  if (observed) {
    names.push(...observed.names);
    notes.push(...observed.notes);
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

/** A -dev package of headers only: nothing of it is needed at run time. */
function headersOnly(name: string): boolean {
  return packages.headersOnly.some((h) => matchesEntry(h, name));
}

/**
 * The runtime packages of a `-dev` package: the user's config, else Debian's own dependencies on
 * the builder's release (data/debian-runtime-libs.json, generated from the archive), else the
 * hand-kept table (Ubuntu, Alpine, RHEL, releases the archive table lacks).
 */
function runtimeLibraries(
  ctx: TransformContext,
  manager: string,
  dev: string,
  table: Record<string, string | Record<string, string>>,
): { names: string[]; from: string } | { unknown: string } {
  const release = ctx.facts.baseInfo?.release ?? "default";
  const user = ctx.config.runtimePackages?.[manager]?.[dev];
  if (user !== undefined) return { names: user ? [user] : [], from: "config runtimePackages" };
  const os = ctx.facts.baseInfo?.os;
  if (manager === "apt" && os?.distro === "debian" && os.codename) {
    const libs = debianRuntimeLibs(dev, os.codename);
    if (libs) return { names: libs, from: `Debian ${os.codename}'s dependencies of ${dev}` };
  }
  const c = table[dev];
  if (c === undefined)
    return {
      unknown: `its runtime library is not known for ${os?.codename ?? release} (neither Debian's package data nor data/packages.yaml has it), so the runtime stage cannot be made safely`,
    };
  const name = typeof c === "string" ? c : (c[release] ?? c["default"]);
  if (!name) return { unknown: `no runtime package for ${dev} on ${release}` };
  return { names: [name], from: "data/packages.yaml" };
}

function installStep(manager: string | null, names: string[]): string[] {
  if (names.length === 0) return [];
  const list = names.join(" ");
  if (manager === "apk") return [`RUN apk add --no-cache ${list}`];
  if (manager === "yum" || manager === "dnf" || manager === "microdnf")
    return [`RUN ${manager} install -y ${list} && ${manager} clean all`];
  // Folders slim images lack that a package's install script needs (data/packages.yaml).
  const folders = Object.entries(packages.installFolders["apt"] ?? {})
    .filter(([, pkgs]) => names.some((n) => pkgs.some((e) => matchesEntry(e, n))))
    .map(([folder]) => folder);
  const mkdir = folders.length ? `mkdir -p ${folders.join(" ")} && ` : "";
  return [
    `RUN ${mkdir}apt-get update && apt-get install -y --no-install-recommends ${list} && rm -rf /var/lib/apt/lists/*`,
  ];
}

function chooseImage(
  ctx: TransformContext,
  runtimeClass: string,
  needsShell: boolean,
  options: ConvertOptions,
  vars: Record<string, string>,
): { image: string; why: string; cls?: string; fitted?: Fitted } | LeaveAlone {
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
  if (cls === "cc" && needsShell) cls = "glibc"; // distroless cc has no shell
  if (user[cls]) return { image: user[cls]!, why: `config runtimeImages["${cls}"]` };
  if (!info && !LIBC_FREE_CLASSES.has(cls))
    return leave(
      "release-unknown",
      `${base.ref} is not an image whose OS release msb-migrate knows (not an official image, nor a family of data/images.yaml); the program may link its C library dynamically, so a runtime image of the same release cannot be chosen`,
    );
  const table = images.runtimeImages[cls];
  const distro = info?.distro ?? "unknown";
  const template = table?.[distro] ?? table?.["any"];
  if (!template)
    return leave(
      "unsupported",
      `no runtime image is known for ${cls} programs built on ${distro} (${base.ref})`,
    );
  const os = info?.os;
  // The OS families' own images keep the builder's spelling of the release (ubuntu:22.04).
  const own = info && ["ubuntu", "alpine"].includes(info.family) ? base.tag : undefined;
  // A program that needs no C library of the builder's runs on any release: when the builder's
  // is unknown, the default distroless Debian release (or the newest Alpine) stands in.
  const stand = LIBC_FREE_CLASSES.has(cls) || cls === "static-shell";
  const fallback = stand ? osRelease("debian", images.distrolessDebian[0]!) : null;
  const values: Record<string, string | undefined> = {
    codename: os?.codename ?? fallback?.codename,
    release:
      own ??
      (os?.distro === "alpine" ? os.version : os?.codename) ??
      (stand ? (distro === "alpine" ? "latest" : fallback?.codename) : undefined),
    debian: distrolessDebian(os),
    ...vars,
  };
  const image = template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
  const missing = /\{(\w+)\}/.exec(image);
  if (missing) {
    if (["codename", "release"].includes(missing[1]!))
      return leave(
        "release-unknown",
        `the OS release of ${base.ref} is not known (${info?.releaseUnknown ?? "no data for the image"}), and the runtime image ${template} must name it`,
      );
    return leave("unsupported", `the runtime image ${image} has a placeholder nothing fills`);
  }
  const why = `${cls}${cls !== runtimeClass ? " (a shell is needed)" : ""} on ${distro}${info?.release ? " " + info.release : ""}`;
  // The builder's own image (php extensions built on it): its release by definition.
  if (image === base.ref && !info?.pin)
    return { image, why: `${why}; the builder's own image`, cls };
  const paired = sameReleasePair(base.name, image);
  if (paired) return { image, why: `${why}; ${paired}`, cls };
  const pin = ctx.config.policy?.pinRelease !== false;
  const fitted = fitRuntime(info, base.ref, image, cls, pin);
  if ("leave" in fitted) return fitted;
  return { image: fitted.image, why: `${why}; ${fitted.why}`, cls, fitted };
}

/**
 * A runtime-stage step that fails the build when a copied native program or library misses a
 * shared library or a C library symbol version (`GLIBC_2.39' not found`): loud at build time, not
 * a crash at start. Only where the runtime image has a shell to run ldd.
 */
function linkCheck(runtimeClass: string, shell: boolean, artifacts: ArtifactCopy[]): string[] {
  if (!shell || (runtimeClass !== "glibc" && runtimeClass !== "musl")) return [];
  const paths = artifacts.filter((a) => a.rule !== "entry-script").map((a) => a.to);
  if (paths.length === 0 || paths.some((p) => !/^[\w./+@%-]+$/.test(p))) return [];
  return [
    `RUN if find ${paths.join(" ")} -type f \\( -perm -u+x -o -name '*.so*' \\) -exec ldd {} \\; 2>&1 | grep -E 'not found|Error (loading|relocating)'; then echo 'a copied program needs a library or C library version this image lacks' >&2; exit 1; fi`,
  ];
}

/** Distroless images exist for these Debian releases; a static binary runs on any of them. */
function distrolessDebian(os: OsRelease | undefined): string {
  const versions = images.distrolessDebian;
  return os?.distro === "debian" && os.version && versions.includes(os.version)
    ? os.version
    : versions[0]!;
}

/** A runtime image its publisher builds on the builder's OS by its tag scheme (data/images.yaml). */
function sameReleasePair(builderName: string, runtime: string): string | null {
  const b = normaliseRepo(builderName);
  const r = normaliseRepo(readImageRef(runtime).name);
  const pair = images.sameReleasePairs.find(
    (p) => new RegExp(p.builder).test(b) && new RegExp(p.runtime).test(r),
  );
  return pair ? pair.why : null;
}

/**
 * The builder's FROM pinned to the release its floating tag is built on today, when the runtime
 * depends on that release: `rust:1.93` → `rust:1.93-trixie`.
 */
function builderPin(
  ctx: TransformContext,
  cls: string,
  fitted: Fitted | undefined,
): Planned["plan"]["builderImage"] {
  const base = ctx.facts.base!;
  const info = ctx.facts.baseInfo;
  if (ctx.config.policy?.pinRelease === false || !fitted?.builder) return undefined;
  // A static binary, static files or a jar do not use the builder's C library: nothing to match.
  if (LIBC_FREE_CLASSES.has(cls)) return undefined;
  if (!info?.pin || info.releaseFrom !== "table" || base.digest || base.fromArg) return undefined;
  const from = `${base.name}:${base.tag}`;
  const to = `${base.name}:${info.pin}`;
  const os = fitted.builder;
  return {
    from,
    to,
    why: `${from} floats: it is ${os.codename ?? os.key} today (data/releases) and may move to a newer release; ${info.pin} names the release, so builder and runtime stay on one C library`,
  };
}

/** Global ARGs (declared before FROM) that these instructions refer to: each stage re-declares them. */
export function referencedGlobalArgs(ctx: TransformContext, ins: InstructionNode[]): string[] {
  const text = ins.map((i) => i.raw).join("\n");
  return Object.keys(ctx.doc.globalArgs).filter((k) => new RegExp(`\\$\\{?${k}\\b`).test(text));
}
