// The contract check: the converted file's final stage must behave like the original image.
// It reads the rendered text again (parsed afresh by the caller, not derived from the plan or
// the original's parse), independently of the plan that produced it.
import { posix } from "node:path";
import {
  commandSpec,
  expand,
  healthcheckCommand,
  imageInfo,
  programOf,
  readImageRef,
} from "./analyse.js";
import { dataPattern, familyOf, images, packages } from "./data.js";
import { resolvePath } from "./parse/shell.js";
import type {
  ContractCheck,
  Document,
  Facts,
  ImageInfo,
  InstructionNode,
  RuntimePlan,
} from "./types.js";

export interface ImageContract {
  env: Map<string, string>;
  workdir: string;
  user: string;
  expose: string[];
  labels: Map<string, string>;
  volumes: string[];
  healthcheck: string;
  stopsignal: string;
  shell: string;
  entrypoint: string;
  cmd: string;
  /** The words the container runs (ENTRYPOINT + CMD as Docker combines them). */
  run: string[];
  /** The runtime facts the check needs about the stage. */
  base: ImageInfo | null;
  baseName: string;
  instructions: InstructionNode[];
}

function normCommand(ins: InstructionNode): string {
  const spec = commandSpec(ins);
  return spec.form === "exec" ? JSON.stringify(spec.words) : spec.raw.trim();
}

/** The declared contract of the last stage of a document (inherited values from image data). */
export function stageContract(doc: Document): ImageContract {
  const firstOfLast = [...doc.instructions].reverse().find((i) => i.keyword === "FROM")!;
  const stage = doc.instructions.filter((i) => i.stage === firstOfLast.stage);
  const words = firstOfLast.args.split(/\s+/).filter((w) => !w.startsWith("--"));
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.globalArgs)) if (v !== undefined) args[k] = v;
  const ref = readImageRef(expand(words[0] ?? "", args));
  const base = imageInfo(ref);
  const fam = familyOf(ref.name);
  const c: ImageContract = {
    env: new Map(),
    workdir: fam?.workdir ?? "/",
    user: "",
    expose: [],
    labels: new Map(),
    volumes: [],
    healthcheck: "",
    stopsignal: ref.name === "nginx" ? "SIGQUIT" : "",
    shell: "",
    entrypoint: "",
    cmd: base?.cmd ? JSON.stringify(base.cmd) : `(inherited from ${ref.ref})`,
    run: base?.cmd ?? [],
    base,
    baseName: ref.ref,
    instructions: stage,
  };
  const env: Record<string, string> = { ...args, ...(base?.env ?? {}) };
  let entryWords: string[] | null = null;
  let entryExec = false;
  for (const ins of stage) {
    switch (ins.keyword) {
      case "ENV":
        for (const [k, v] of ins.properties) {
          c.env.set(k, v);
          env[k] = expand(v, env);
        }
        break;
      case "WORKDIR":
        c.workdir = resolvePath(c.workdir, expand(ins.args.replace(/^["']|["']$/g, ""), env));
        break;
      case "USER":
        c.user = ins.args;
        break;
      case "EXPOSE":
        c.expose.push(...ins.args.split(/\s+/));
        break;
      case "LABEL":
        for (const [k, v] of ins.properties) c.labels.set(k, v);
        break;
      case "VOLUME":
        c.volumes.push(...(ins.exec ?? ins.args.split(/\s+/)));
        break;
      case "HEALTHCHECK":
        c.healthcheck = ins.args;
        break;
      case "STOPSIGNAL":
        c.stopsignal = ins.args;
        break;
      case "SHELL":
        c.shell = ins.args;
        break;
      case "ENTRYPOINT": {
        c.entrypoint = normCommand(ins);
        c.cmd = "";
        const spec = commandSpec(ins);
        entryExec = spec.form === "exec";
        c.run = spec.words;
        entryWords = spec.words;
        break;
      }
      case "CMD": {
        c.cmd = normCommand(ins);
        const words = commandSpec(ins).words;
        c.run = entryWords ? (entryExec ? [...entryWords, ...words] : entryWords) : words;
        break;
      }
    }
  }
  c.expose = [...new Set(c.expose)].sort();
  c.volumes = [...new Set(c.volumes)].sort();
  return c;
}

const USER_TOOLS = new Set(["useradd", "adduser", "groupadd", "addgroup"]);

/** Compare the original's final image with the converted file's final stage. */
/**
 * Roles of builder lines that may make what the runtime stage copies (a dependency step makes the
 * installed dependencies: node_modules, a virtualenv).
 */
const PRODUCING = new Set(["build", "artifact", "context-copy", "dependency"]);

export function checkContract(
  original: Document,
  facts: Facts,
  /** The rendered text, parsed afresh: parseDocument(output). */
  converted: Document,
  plan: RuntimePlan,
  builderName: string,
): ContractCheck {
  const droppedEnv = plan.droppedEnv;
  const before = stageContract(original);
  const after = stageContract(converted);
  const items: ContractCheck["items"] = [];
  const declared = new Map(plan.declaredChanges.map((d) => [d.field, d]));
  const compare = (field: string, a: string, b: string) => {
    if (a === b) items.push({ field, status: "same", detail: a || "(not set)" });
    else if (declared.has(field))
      items.push({
        field,
        status: "changed",
        detail: `${a || "(not set)"} → ${b || "(not set)"}: ${declared.get(field)!.why}`,
      });
    else
      items.push({ field, status: "differs", detail: `${a || "(not set)"} → ${b || "(not set)"}` });
  };
  for (const [k, v] of before.env) {
    if (droppedEnv.includes(k) && !after.env.has(k))
      items.push({ field: `ENV ${k}`, status: "dropped", detail: "only steers the build" });
    else compare(`ENV ${k}`, v, after.env.get(k) ?? "");
  }
  for (const [k, v] of after.env) if (!before.env.has(k)) compare(`ENV ${k}`, "", v);
  compare("WORKDIR", before.workdir, after.workdir);
  compare("USER", before.user, after.user);
  compare("EXPOSE", before.expose.join(" "), after.expose.join(" "));
  const labels = (m: Map<string, string>) =>
    [...m]
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(" ");
  compare("LABEL", labels(before.labels), labels(after.labels));
  compare("VOLUME", before.volumes.join(" "), after.volumes.join(" "));
  compare("HEALTHCHECK", before.healthcheck, after.healthcheck);
  compare("STOPSIGNAL", before.stopsignal, after.stopsignal);
  compare("SHELL", before.shell, after.shell);
  compare("ENTRYPOINT", before.entrypoint, after.entrypoint);
  compare("CMD", before.cmd, after.cmd);

  // What the final stage runs must be there.
  const runtime = after.base;
  // Relative destinations land in the WORKDIR in force at the COPY, not in /.
  let wd = "/";
  const dests = after.instructions.flatMap((i) => {
    if (i.keyword === "WORKDIR") wd = resolvePath(wd, i.args.trim());
    if (i.keyword !== "COPY" && i.keyword !== "ADD") return [];
    const w = i.exec ?? i.args.split(/\s+/).filter((x) => !x.startsWith("--"));
    const dest = w[w.length - 1] ?? "";
    return w.slice(0, -1).map((src) => {
      const d = resolvePath(wd, dest);
      return dest.endsWith("/") ? posix.join(d, posix.basename(src)) : d;
    });
  });
  const shellNeeded =
    [after.entrypoint, after.cmd, after.healthcheck].some(
      (x) => x && !execWords(x) && !x.startsWith("(") && !/^NONE$/i.test(x) && !/CMD\s*\[/.test(x),
    ) ||
    after.instructions.some((i) => i.keyword === "RUN") ||
    /\.sh$/.test(runningProgram(after) ?? "");
  if (shellNeeded && runtime && !runtime.shell) {
    items.push({
      field: "shell",
      status: "missing",
      detail: `${after.baseName} has no /bin/sh, but the stage needs one`,
    });
  } else if (shellNeeded) {
    items.push({ field: "shell", status: "same", detail: "the runtime image has a shell" });
  }
  const declaredPath = after.env.get("PATH");
  const path = declaredPath
    ? expand(declaredPath, { PATH: images.standardPath.join(":") }).split(":")
    : images.standardPath;
  const installed = [...plan.runtimePackages, ...stagePackages(after.instructions)];
  const checkProgram = (field: string, program: string | null) => {
    if (!program) return;
    const provided = providedBy(runtime, program, dests, installed, after.workdir, path);
    items.push({
      field,
      status: provided ? "same" : "missing",
      detail: provided ? `${program}: ${provided}` : `${program} is not in the runtime stage`,
    });
  };
  // `bash run.sh` opens run.sh in the working directory first, then searches PATH.
  const running = programOf(after.run);
  const inWorkdir =
    running?.scriptArg && !running.program.includes("/") ? `./${running.program}` : null;
  checkProgram(
    "program",
    inWorkdir && providedBy(runtime, inWorkdir, dests, installed, after.workdir, path)
      ? inWorkdir
      : (running?.program ?? null),
  );
  checkProgram("healthcheck program", healthcheckProgram(after));

  // Every COPY --from=<builder> source must come from a step of the builder that makes it.
  for (const ins of after.instructions) {
    const from = ins.flags["from"];
    if (
      (ins.keyword !== "COPY" && ins.keyword !== "ADD") ||
      !from ||
      from.toLowerCase() !== builderName.toLowerCase()
    )
      continue;
    const words = ins.exec ?? ins.args.split(/\s+/).filter((w) => !w.startsWith("--"));
    for (const src of words.slice(0, -1)) {
      const repository = plan.repositoryFiles?.find((r) => r.files.includes(src));
      if (repository) {
        const step = facts.lines[repository.step]!;
        items.push({
          field: `COPY --from=${from} ${src}`,
          status: "same",
          detail: `written by line ${step.line}, which sets up the package repository`,
        });
        continue;
      }
      const artifact = plan.artifacts.find((a) => a.from === src);
      const line = artifact ? facts.lines.find((l) => l.line === artifact.line) : undefined;
      const producing = line && PRODUCING.has(line.role);
      items.push({
        field: `COPY --from=${from} ${src}`,
        status: producing ? "same" : "missing",
        detail: producing
          ? `made by line ${line.line} (${line.role}${line.evidence[0] ? `: ${line.evidence[0].rule}` : ""})`
          : `no step of the builder is seen to make ${src}`,
      });
    }
  }
  if (after.user && !/^\d+(:\d+)?$/.test(after.user)) {
    const name = after.user.split(":")[0]!;
    const created = after.instructions.some((i) =>
      i.commands.some((c) => USER_TOOLS.has(c.name) && c.args.includes(name)),
    );
    const known = runtime?.users.includes(name) || name === "root";
    items.push({
      field: "user exists",
      status: created || known ? "same" : "missing",
      detail: created
        ? `${name} is created in the runtime stage`
        : known
          ? `${name} is defined by ${after.baseName}`
          : `${name} is neither created in the runtime stage nor defined by ${after.baseName}`,
    });
  }
  return {
    ok: items.every((i) => i.status === "same" || i.status === "dropped" || i.status === "changed"),
    items,
  };
}

function healthcheckProgram(c: ImageContract): string | null {
  return healthcheckCommand(c.healthcheck)?.program ?? null;
}

/** Docker's rule: exec form only when the text is a JSON array of strings, else shell form. */
function execWords(x: string): string[] | null {
  if (!x.startsWith("[")) return null;
  try {
    const v: unknown = JSON.parse(x);
    return Array.isArray(v) && v.every((w) => typeof w === "string") ? (v as string[]) : null;
  } catch {
    return null;
  }
}

function runningProgram(c: ImageContract): string | null {
  return programOf(c.run)?.program ?? null;
}

/** Package names a RUN of the stage installs (`apk add tini`, `apt-get install -y curl`). */
function stagePackages(stage: InstructionNode[]): string[] {
  const verbs = new Set(["add", "install"]);
  const managers = new Set(["apk", "apt-get", "apt", "yum", "dnf", "microdnf"]);
  return stage.flatMap((i) =>
    i.commands
      .filter((c) => managers.has(c.name) && verbs.has(c.args.find((a) => !a.startsWith("-"))!))
      .flatMap((c) => c.args.filter((a) => !a.startsWith("-") && !verbs.has(a))),
  );
}

function providedBy(
  runtime: ImageInfo | null,
  program: string,
  dests: string[],
  pkgs: string[],
  workdir: string,
  path: string[],
): string | null {
  if (program.includes("/")) {
    const p = resolvePath(workdir, program);
    const hit = dests.find((d) => d === p || p.startsWith(d.replace(/\/?$/, "/")));
    if (hit) return `copied to ${hit}`;
    // An absolute path in a system directory: a package installed in the stage provides it.
    const system = /^\/(usr\/)?(local\/)?s?bin\//.test(p);
    if (
      system &&
      (pkgs.includes(posix.basename(p)) || pkgs.some((k) => installsProgram(k, posix.basename(p))))
    )
      return "installed by a package of the stage";
    // A servlet container package's own folders (/usr/share/tomcat10/bin/catalina.sh).
    const container = images.servletContainers.find(
      (c) => c.package && pkgs.includes(c.package) && c.paths.some((d) => p.startsWith(d + "/")),
    );
    return container ? `installed by ${container.package} (${container.name})` : null;
  }
  const onPath = dests.find(
    (d) => posix.basename(d) === program && path.includes(posix.dirname(d)),
  );
  if (onPath) return `copied to ${onPath}`;
  const dirCopy = dests.find((d) =>
    path.some((p) => p.startsWith(d.replace(/\/?$/, "/")) || p === d),
  );
  if (dirCopy) return `inside the copied ${dirCopy}`;
  if (!runtime) return null;
  const fam = images.families.find((f) => f.family === runtime.family);
  if (fam?.programs.includes(program)) return `provided by the ${runtime.family} image`;
  const shellProgs = runtime.distro === "alpine" ? images.alpinePrograms : images.shellPrograms;
  if (runtime.shell && shellProgs.includes(program)) return "a base system program";
  if (pkgs.includes(program)) return "installed as a runtime package";
  const owner = pkgs.find((p) => installsProgram(p, program));
  if (owner) return `installed by ${owner}`;
  return null;
}

/**
 * Does a package install the program under another name (php8.3-cli → php)? A key in slashes is a
 * pattern; its groups fill $1… in the package names (php-fpm8.3 → php8.3-fpm).
 */
function installsProgram(pkg: string, program: string): boolean {
  for (const [key, owners] of Object.entries(packages.programPackages)) {
    const m = dataPattern(key)?.exec(program) ?? null;
    if (key !== program && !m) continue;
    const fill = (s: string) => s.replace(/\$(\d)/g, (_, i: string) => m?.[Number(i)] ?? "");
    if (owners.some((o) => dataPattern(o)?.test(pkg) ?? fill(o) === pkg)) return true;
  }
  return false;
}
