// Facts: what each instruction does, with evidence, and the final image's contract.
import { posix } from "node:path";
import {
  commands as commandData,
  familyOf,
  findMatcher,
  images,
  matchesEntry,
  normaliseRepo,
  packages,
} from "./data.js";
import { namedRelease, osRelease, tagRelease, type OsRelease } from "./releases.js";
import { parseShell, resolvePath } from "./parse/shell.js";
import type {
  BaseImage,
  CommandSpec,
  Document,
  Evidence,
  Facts,
  ImageInfo,
  InstructionNode,
  LineFact,
  Role,
  ShellCommand,
} from "./types.js";

/** Instructions that set the image's configuration; all but ONBUILD reach the runtime stage. */
export const IMAGE_CONFIG = new Set([
  "ENV",
  "WORKDIR",
  "USER",
  "EXPOSE",
  "LABEL",
  "VOLUME",
  "HEALTHCHECK",
  "STOPSIGNAL",
  "SHELL",
  "ENTRYPOINT",
  "CMD",
  "ARG",
  "MAINTAINER",
]);
const METADATA = new Set([...IMAGE_CONFIG, "ONBUILD"]);
const SETUP_PROGRAMS = new Set([
  "useradd",
  "adduser",
  "groupadd",
  "addgroup",
  "usermod",
  "mkdir",
  "chown",
  "chmod",
  "ln",
  "update-ca-certificates",
  "setcap",
  "locale-gen",
  // Package repositories (PPAs): replayed with the installs from them, so both stages see them.
  "add-apt-repository",
  "apt-add-repository",
  "echo",
  "printf",
  "touch",
]);
const ROLE_RANK: Role[] = [
  "artifact",
  "build",
  "dependency",
  "toolchain",
  "runtime-setup",
  "cleanup",
  "other",
];

/** Expand $VAR and ${VAR} (with :- defaults) from an environment; unknown variables stay. */
export function expand(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      whole,
      braced: string | undefined,
      op: string | undefined,
      alt: string | undefined,
      bare: string | undefined,
    ) => {
      const name = braced ?? bare!;
      const v = env[name];
      if (op?.includes("-")) return v !== undefined && v !== "" ? v : (alt ?? "");
      if (op?.includes("+")) return v !== undefined && v !== "" ? (alt ?? "") : "";
      return v ?? whole;
    },
  );
}

/** Read a FROM reference into its parts. */
export function readImageRef(ref: string, alias?: string): BaseImage {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  let tag = "latest";
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { ref, name: rest, tag, ...(digest ? { digest } : {}), ...(alias ? { alias } : {}) };
}

/** What we know of an image: its family's data refined by the tag and the release table. */
export function imageInfo(image: BaseImage): ImageInfo | null {
  const fam = familyOf(image.name);
  if (!fam) return null;
  const info: ImageInfo = {
    family: fam.family,
    kind: fam.kind,
    distro: fam.distro,
    libc: fam.libc,
    shell: fam.shell,
    env: { ...fam.env },
    users: [...fam.users, ...(fam.shell ? (images.distroUsers[fam.distro] ?? []) : [])],
    path: [...fam.path, ...images.standardPath],
    ...(fam.cmd ? { cmd: fam.cmd } : {}),
  };
  const tag = image.tag.toLowerCase();
  // Windows variants of Linux families (golang:…-windowsservercore-1809, python:…-nanoserver).
  if (/(^|-)(windowsservercore|nanoserver)(-|$)/.test(tag)) {
    info.distro = "windows";
    info.libc = "none";
    info.shell = false;
    info.release = tag;
    return info;
  }
  if (fam.distro === "none" || fam.distro === "windows") return info;
  const found = osOfImage(image, fam.family);
  if ("unknown" in found) {
    info.releaseUnknown = found.unknown;
    // An Alpine tag says musl even when it names no release.
    if (/alpine/.test(tag)) {
      info.distro = "alpine";
      info.libc = "musl";
    }
    return info;
  }
  const os = found.os;
  info.os = os;
  info.releaseFrom = found.from;
  if (found.pin) info.pin = found.pin;
  if (os.distro === "debian" || os.distro === "ubuntu" || os.distro === "alpine") {
    info.distro = os.distro;
    if (info.libc !== "none") info.libc = os.libc;
  } else if (os.distro === "rhel") info.distro = "rhel";
  info.release = os.codename ?? os.version;
  return info;
}

/** Repositories of the OS images themselves. */
const OS_REPOS = new Set(["debian", "ubuntu", "alpine"]);

/**
 * The OS release an image is built on: named by its tag or repository, else the tag's last
 * definition in data/releases. Why not, when neither tells.
 */
export function osOfImage(
  image: BaseImage,
  family?: string,
): { os: OsRelease; from: "tag" | "table" | "name"; pin?: string } | { unknown: string } {
  const repo = normaliseRepo(image.name);
  // Distroless names its Debian release in the repository: gcr.io/distroless/cc-debian13.
  const distroless = /^gcr\.io\/distroless\/\w+-debian(\d+)$/.exec(repo);
  if (distroless) {
    const os = osRelease("debian", distroless[1]!);
    return os
      ? { os, from: "name" }
      : { unknown: `Debian ${distroless[1]} is not in data/releases` };
  }
  // A release the written text names (golang:${V}-bookworm) holds whatever the argument is.
  const writtenTag = image.written?.slice(image.written.lastIndexOf(":") + 1) ?? "";
  if (image.fromArg && !writtenTag.includes("/")) {
    const named = namedRelease(writtenTag.replace(/\$\{?\w+(:?-[^}]*)?\}?/g, "x"));
    if (named) return { os: named, from: "tag" };
  }
  if (image.fromArg)
    return {
      unknown: `the image is named by a build argument (${image.written ?? image.ref}), so a build may pull an image of another release`,
    };
  // `1-alpine` names only the distro: which Alpine release is the table's to say.
  const named = namedRelease(image.tag);
  if (named && (named.version || named.codename)) return { os: named, from: "tag" };
  // The OS images' version tags are one release for good: ubuntu:22.04, debian:12, alpine:3.18.
  const fixed = OS_REPOS.has(repo) && /^\d+(\.\d+)*(-slim)?$/.test(image.tag);
  if (image.digest && !fixed)
    return {
      unknown: `the image is pinned by digest and its tag ${image.tag} names no release; which release that digest was built on is not recorded`,
    };
  const known = tagRelease(repo, image.tag);
  if (known && fixed) return { os: known.os, from: "tag" };
  if (known) return { os: known.os, from: "table", ...(known.pin ? { pin: known.pin } : {}) };
  if (known === null)
    return {
      unknown: `${repo}:${image.tag} is not a tag data/releases knows the release of`,
    };
  return {
    unknown: `${repo} is not an official image${family ? ` (family ${family})` : ""}: the release its tag ${image.tag} is built on is not known`,
  };
}

interface PackageUse {
  manager: string;
  names: string[];
  remove: boolean;
}

/** Package installs and removals in one RUN, with `$var` lists from assignments expanded. */
function packageUses(cmds: ShellCommand[], env: Record<string, string>): PackageUse[] {
  const vars: Record<string, string> = { ...env };
  const out: PackageUse[] = [];
  for (const c of cmds) {
    for (const [k, v] of Object.entries(c.assignments)) vars[k] = v;
    const manager =
      c.name === "apt" || c.name === "apt-get" || c.name === "aptitude" ? "apt" : c.name;
    const m = packages.managers[manager];
    if (!m) continue;
    const words = c.args.flatMap((a) => expand(a, vars).split(/\s+/)).filter(Boolean);
    const verbIdx = words.findIndex((w) => !w.startsWith("-"));
    const verb = words[verbIdx];
    if (!verb) continue;
    const install = m.install.includes(verb);
    const remove = m.remove.includes(verb);
    if (!install && !remove) continue;
    const names: string[] = [];
    const rest = words.slice(verbIdx + 1);
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!;
      if (
        w === "--virtual" ||
        w === "-t" ||
        w === "--repository" ||
        w === "-X" ||
        w === "--setopt"
      ) {
        i++;
        continue;
      }
      if (w.startsWith("-") || w.includes("$")) continue;
      names.push(w.replace(/[=<>~].*$/, "").replace(/:\w+$/, ""));
    }
    if (verb === "groupinstall")
      names.splice(
        0,
        names.length,
        ...rest
          .filter((w) => !w.startsWith("-"))
          .join(" ")
          .split(/\s*,\s*/),
      );
    out.push({ manager, names, remove });
  }
  return out;
}

export function isBuildOnlyPackage(manager: string, name: string): boolean {
  const list =
    packages.buildOnly[manager === "dnf" || manager === "microdnf" ? "yum" : manager] ?? [];
  if (list.includes(name)) return true;
  // Entries written /…/ name a family of packages (gcc-13, clang-17).
  if (list.some((e) => e.startsWith("/") && matchesEntry(e, name))) return true;
  const suffix = packages.devSuffix[manager];
  return !!suffix && name.endsWith(suffix);
}

function optionValue(args: string[], names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (a.startsWith(n + "=")) return a.slice(n.length + 1);
      if (n.length === 2 && a.startsWith(n) && a.length > 2 && !n.startsWith("--"))
        return a.slice(2);
    }
  }
  return undefined;
}

export const SHELLS = /^(\/bin\/|\/usr\/bin\/)?(sh|bash|ash|dash)$/;

/** The program some command words start, looking through `sh -c "…"`, `sh script` and `exec`. */
export function programOf(
  all: string[],
): { program: string; args: string[]; scriptArg?: boolean; shell?: string } | null {
  let words = all;
  if (words.length === 0) return null;
  let scriptArg = false;
  let shell: string | undefined;
  if (SHELLS.test(words[0]!) && words[1] === "-c" && words[2]) {
    const inner = mainCommand(parseShell(words[2], 0, "/").commands, words[2]);
    words = inner ? [inner.name, ...inner.args] : words[2].trim().split(/\s+/);
  } else if (SHELLS.test(words[0]!) && words[1] && !words[1].startsWith("-")) {
    shell = words[0]!;
    words = words.slice(1); // `sh script.sh`: the script is what runs
    scriptArg = true;
  }
  while (words[0] === "exec" || words[0]?.includes("=")) words = words.slice(1);
  if (!words[0]) return null;
  // scriptArg: a shell's file argument, opened in the working directory before PATH is searched.
  return { program: words[0], args: words.slice(1), ...(scriptArg && { scriptArg, shell }) };
}

/** Shell builtins that only prepare the environment of the command that follows them. */
const SETUP_BUILTINS = new Set([
  "export",
  "set",
  "cd",
  "ulimit",
  "umask",
  "trap",
  ":",
  "true",
  "wait",
  "exit",
  "return",
]);

/**
 * The command that stays in the foreground of a shell-form entry: the target of `exec`, else the
 * last command that is not an environment-setup builtin (`export X=… && service y start && ./app`
 * runs `./app`; `cd /srv && ./app` runs `./app`).
 */
export function mainCommand(commands: ShellCommand[], source: string): ShellCommand | undefined {
  const exec = commands.find((c) => c.name === "exec" && c.args.length > 0);
  if (exec) return exec;
  // In a pipeline (`app 2>&1 | tee log`) the program is the first command, not the filter after it.
  const pipedFrom = (i: number) => {
    const prev = commands[i - 1]!;
    const gap = source.slice(prev.offset + prev.text.length, commands[i]!.offset);
    return /(^|[^|])\|($|[^|])/.test(gap);
  };
  for (let i = commands.length - 1; i >= 0; i--) {
    if (SETUP_BUILTINS.has(commands[i]!.name)) continue;
    while (i > 0 && pipedFrom(i)) i--;
    return commands[i];
  }
  return commands[0];
}

/** The program a HEALTHCHECK runs (`[--opts] CMD …` in exec or shell form); null for NONE. */
export function healthcheckCommand(args: string): { program: string; args: string[] } | null {
  const m = /^(?:--\S+\s+)*CMD(?:-SHELL)?\s+([\s\S]*)$/i.exec(args.trim());
  if (!m) return null;
  const body = m[1]!.trim();
  if (body.startsWith("[")) {
    try {
      return programOf(JSON.parse(body) as string[]);
    } catch {
      return null;
    }
  }
  return programOf(["sh", "-c", body]);
}

/** The shell words of a CMD/ENTRYPOINT for matching (exec words, or first shell command's words). */
export function commandSpec(ins: InstructionNode): CommandSpec {
  if (ins.exec) return { form: "exec", words: ins.exec, raw: ins.args, index: ins.index };
  const main = mainCommand(parseShell(ins.args, 0, "/").commands, ins.args);
  const words = main ? [main.name, ...main.args] : ins.args.split(/\s+/);
  return { form: "shell", words, raw: ins.args, index: ins.index };
}

/** Analyse the (single-stage) document: roles with evidence and the final image's contract. */
export function analyse(doc: Document): Facts {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.globalArgs)) if (v !== undefined) env[k] = v;
  let base: BaseImage | null = null;
  let baseInfo: ImageInfo | null = null;
  let workdir = "/";
  let sawBuild = false;
  const lines: LineFact[] = [];
  const declaredEnv: [string, string][] = [];
  let entrypoint: CommandSpec | null = null;
  let cmd: CommandSpec | null = null;
  const toolchainPackages = new Set<string>();
  let packageManager: string | null = null;

  for (const ins of doc.instructions) {
    const evidence: Evidence[] = [];
    let role: Role = "other";
    const produces: string[] = [];
    const pkgs: { manager: string; names: string[] }[] = [];
    switch (ins.keyword) {
      case "FROM": {
        const words = ins.args.split(/\s+/).filter((w) => !w.startsWith("--"));
        const ref = expand(words[0] ?? "", env);
        const alias = words[1]?.toLowerCase() === "as" ? words[2] : undefined;
        base = readImageRef(ref, alias);
        if (ref !== words[0]) {
          base.fromArg = true;
          base.written = words[0]!;
        }
        baseInfo = imageInfo(base);
        role = "base";
        if (baseInfo) {
          Object.assign(env, baseInfo.env);
          workdir = familyOf(base.name)?.workdir ?? "/";
          if (baseInfo.kind === "toolchain") {
            evidence.push({
              rule: "toolchain-base-image",
              match: ref,
              why: `${baseInfo.family} is a toolchain image (compilers and SDK)`,
            });
          }
        }
        break;
      }
      case "ENV":
        role = "metadata";
        for (const [k, v] of ins.properties) {
          env[k] = expand(v, env);
          declaredEnv.push([k, v]);
        }
        break;
      case "ARG":
        role = "metadata";
        for (const [k, v] of ins.properties)
          if (v !== "" && env[k] === undefined) env[k] = expand(v, env);
        break;
      case "WORKDIR":
        role = "metadata";
        workdir = resolvePath(workdir, expand(ins.args.replace(/^["']|["']$/g, ""), env));
        break;
      case "ENTRYPOINT":
        role = "metadata";
        entrypoint = commandSpec(ins);
        cmd = null; // Docker resets an inherited CMD when ENTRYPOINT is set
        break;
      case "CMD":
        role = "metadata";
        cmd = commandSpec(ins);
        break;
      case "COPY":
      case "ADD": {
        role = "context-copy";
        const words = ins.exec ?? ins.args.split(/\s+/).filter((w) => !w.startsWith("--"));
        if (ins.keyword === "ADD" && words.some((w) => /^(https?|git)[:@]/.test(w))) {
          role = "dependency";
          evidence.push({
            rule: "add-remote",
            match: ins.args,
            why: "downloads sources at build time",
          });
        } else if (ins.flags["from"]) {
          evidence.push({
            rule: "copy-from-image",
            match: ins.flags["from"],
            why: "copies files from another image",
          });
        }
        break;
      }
      case "RUN": {
        const r = classifyRun(ins, env, sawBuild);
        role = r.role;
        evidence.push(...r.evidence);
        produces.push(...r.produces);
        for (const p of r.packages) {
          if (p.remove) continue;
          pkgs.push({ manager: p.manager, names: p.names });
          packageManager ??= p.manager;
          for (const n of p.names) if (isBuildOnlyPackage(p.manager, n)) toolchainPackages.add(n);
        }
        if (role === "build" || role === "artifact") sawBuild = true;
        break;
      }
      default:
        if (METADATA.has(ins.keyword)) role = "metadata";
    }
    lines.push({
      index: ins.index,
      line: ins.line,
      keyword: ins.keyword,
      role,
      evidence,
      packages: pkgs,
      produces,
      workdir,
    });
  }
  return {
    base,
    baseInfo,
    lines,
    env: declaredEnv,
    entrypoint,
    cmd,
    finalWorkdir: workdir,
    toolchainPackages: [...toolchainPackages],
    packageManager,
  };
}

interface RunClass {
  role: Role;
  evidence: Evidence[];
  produces: string[];
  packages: PackageUse[];
}

function classifyRun(
  ins: InstructionNode,
  env: Record<string, string>,
  sawBuildBefore: boolean,
): RunClass {
  const evidence: Evidence[] = [];
  const produces: string[] = [];
  const roles = new Set<Role>();
  const uses = packageUses(ins.commands, env);
  for (const u of uses) {
    if (u.remove) {
      roles.add("cleanup");
      continue;
    }
    const build = u.names.filter((n) => isBuildOnlyPackage(u.manager, n));
    const other = u.names.filter((n) => !isBuildOnlyPackage(u.manager, n));
    if (build.length > 0) {
      roles.add("toolchain");
      evidence.push({
        rule: "build-packages",
        match: build.join(" "),
        why: `${u.manager} installs build-only packages`,
      });
    }
    if (other.length > 0) {
      roles.add("runtime-setup");
      evidence.push({
        rule: "runtime-packages",
        match: other.join(" "),
        why: "installs packages the program may need at run time",
      });
    }
  }
  let sawBuild = sawBuildBefore;
  const vars: Record<string, string> = { ...env };
  for (const c of ins.commands) {
    for (const [k, v] of Object.entries(c.assignments)) vars[k] = expand(v, vars);
    if (c.name === "export") {
      for (const a of c.args) {
        const eq = a.indexOf("=");
        if (eq > 0) vars[a.slice(0, eq)] = expand(a.slice(eq + 1), vars);
      }
    }
    const rule = findMatcher(commandData.rules, c.name, c.args);
    if (rule) {
      if (rule.id === "copy-output") {
        if (!sawBuild) {
          roles.add("context-copy");
          continue;
        }
        const dest = copyDestination(c, vars);
        if (dest) produces.push(dest);
        roles.add("artifact");
        evidence.push({ rule: rule.id, match: c.text, why: "places a build output" });
        continue;
      }
      roles.add(rule.role);
      if (rule.role === "build" || rule.role === "artifact") sawBuild = true;
      const said = c.script ? `${c.script}: ${c.text}` : c.text;
      evidence.push({
        rule: rule.id,
        match: said.length > 120 ? said.slice(0, 117) + "..." : said,
        why: ruleWhy(rule.role, rule.ecosystem),
      });
      const out = optionValue(c.args, ["-o", "--output", "--out", "--out-dir"]);
      if (out && rule.role === "build") produces.push(resolvePath(c.cwd, expand(out, vars)));
      continue;
    }
    if (c.name === "git" && c.args[0] === "clone") {
      roles.add("dependency");
      evidence.push({ rule: "git-clone", match: c.text, why: "fetches sources" });
    } else if ((c.name === "curl" || c.name === "wget") && !sawBuild) {
      roles.add("dependency");
      evidence.push({ rule: "download", match: c.text, why: "downloads at build time" });
    } else if (c.name === "rm" || (c.name === "apt-get" && c.args[0] === "clean")) {
      roles.add("cleanup");
    } else if (SETUP_PROGRAMS.has(c.name)) {
      roles.add("runtime-setup");
      if (["useradd", "adduser", "groupadd", "addgroup"].includes(c.name)) {
        evidence.push({ rule: "create-user", match: c.text, why: "creates a user or group" });
      }
    }
  }
  if (ins.shellErrors.length > 0) {
    evidence.push({
      rule: "shell-unparsed",
      match: ins.args.slice(0, 80),
      why: `shell not fully parsed: ${ins.shellErrors[0]}`,
    });
  }
  // A RUN is runtime setup only when every command in it is: it is then replayed in the runtime
  // stage, where build files (like /tmp/node_modules) do not exist.
  if (roles.has("runtime-setup") && !allSetup(ins.commands)) {
    roles.delete("runtime-setup");
    roles.add("other");
  }
  const role = ROLE_RANK.find((r) => roles.has(r)) ?? "other";
  return { role, evidence, produces, packages: uses };
}

const PACKAGE_TOOLS = new Set(["apt-get", "apt", "apk", "yum", "dnf", "microdnf", "rm", "set"]);

function allSetup(cmds: ShellCommand[]): boolean {
  return cmds.every(
    (c) =>
      SETUP_PROGRAMS.has(c.name) ||
      PACKAGE_TOOLS.has(c.name) ||
      (!c.name && Object.keys(c.assignments).length > 0),
  );
}

function ruleWhy(role: string, ecosystem?: string): string {
  const eco = ecosystem ? `${ecosystem} ` : "";
  if (role === "build") return `${eco}build step`;
  if (role === "dependency") return `${eco}dependency step`;
  if (role === "artifact") return `installs ${eco}build outputs`;
  return `${eco}${role}`;
}

/** Where cp/mv/install put a file: the destination, joined with the source name for directories. */
function copyDestination(c: ShellCommand, vars: Record<string, string>): string | null {
  const words = c.args.filter((a) => !a.startsWith("-"));
  const t = optionValue(c.args, ["-t", "--target-directory"]);
  if (words.length < 2 && !t) return null;
  const src = expand(words[0]!, vars);
  // A glob source fills the destination directory with several files: mark it as `dir/*`.
  // (Two words and a destination named like a file, `cp target/app-*.jar /app.jar`: one file.)
  const last = words[words.length - 1]!;
  const fileLike = !t && words.length === 2 && /[^/]\.[A-Za-z0-9]+$/.test(last);
  if (/[*?]/.test(posix.basename(src)) && !fileLike) {
    const destDir = t ?? last;
    return resolvePath(c.cwd, expand(destDir, vars)).replace(/\/?$/, "/*");
  }
  if (t) return resolvePath(c.cwd, posix.join(expand(t, vars), posix.basename(src)));
  const dest = expand(words[words.length - 1]!, vars);
  const destIsDir =
    dest.endsWith("/") ||
    /(^|\/)\.\.?$/.test(dest) ||
    words.length > 2 ||
    /^\/(usr\/(local\/)?)?s?bin$/.test(dest.replace(/\/$/, ""));
  return resolvePath(c.cwd, destIsDir ? posix.join(dest, posix.basename(src)) : dest);
}
