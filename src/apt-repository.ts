// Package repositories (a vendor's apt source and its signing key) that a step of the builder adds
// and a step carried into the runtime stage installs from. The runtime stage has no curl or gpg to
// repeat the step, so the files the step wrote are copied instead, when they can be told.
import { redirectTargets } from "./parse/shell.js";
import type { InstructionNode, ShellCommand } from "./types.js";

/** Programs a repository step may run besides the ones that write the files. */
const HELPERS = new Set([
  "set",
  "mkdir",
  "chmod",
  "install",
  "lsb_release",
  "dpkg",
  "rm",
  "true",
  "cat",
  "head",
  "cut",
  "grep",
  ".",
]);
/** Packages a repository step may install for itself (the tools to fetch and trust a key). */
const SETUP_PACKAGES =
  /^(gnupg2?|gpg|curl|wget|ca-certificates|apt-transport-https|lsb-release|dirmngr)$/;
/** Where apt finds keys and sources. */
const APT_FILE = /^\/(etc\/apt\/|usr\/share\/keyrings\/)/;

export type RepositoryStep =
  { kind: "files"; files: string[] } | { kind: "unknown"; why: string } | null;

/** The value of `-o F`, `--output F`, `--output=F` (last one wins). */
function optionValue(args: string[], short: string[], long: string[]): string | null {
  let found: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (short.includes(a) || long.includes(a)) found = args[i + 1] ?? null;
    for (const l of long) if (a.startsWith(l + "=")) found = a.slice(l.length + 1);
    // -qO f, -sSLo f: a short option last in a cluster takes the next word.
    const cluster = /^-([a-zA-Z]+)$/.exec(a);
    if (cluster && short.some((s) => cluster[1]!.endsWith(s.slice(1)) && s !== a))
      found = args[i + 1] ?? null;
  }
  return found;
}

/** The files one command writes for a repository, or a reason they cannot be told. */
function commandFiles(cmd: ShellCommand): string[] | string {
  const out: string[] = [];
  for (const r of redirectTargets(cmd.text)) {
    if (r.path === "/dev/null") continue;
    if (r.append && !r.path.startsWith("/etc/apt/sources.list.d/"))
      return `its \`${cmd.name}\` appends to ${r.path}, a file the runtime image has its own copy of`;
    out.push(r.path);
  }
  switch (cmd.name) {
    case "apt-key":
      if (cmd.args.some((a) => a === "add" || a === "adv")) out.push("/etc/apt/trusted.gpg");
      break;
    case "gpg":
    case "gpg2": {
      const o = optionValue(cmd.args, ["-o"], ["--output"]);
      if (o && o !== "-") out.push(o);
      if (cmd.args.includes("--no-default-keyring")) {
        const k = optionValue(cmd.args, [], ["--keyring"]);
        if (k) out.push(k);
      }
      break;
    }
    case "curl": {
      const o = optionValue(cmd.args, ["-o"], ["--output"]);
      if (o && o !== "-") out.push(o);
      break;
    }
    case "wget": {
      const o = optionValue(cmd.args, ["-O"], ["--output-document"]);
      if (o && o !== "-") out.push(o);
      break;
    }
    case "tee":
      out.push(...cmd.args.filter((a) => !a.startsWith("-")));
      if (cmd.args.some((a) => a === "-a" || a === "--append"))
        return `its \`tee -a\` appends to ${cmd.args.filter((a) => !a.startsWith("-")).join(", ")}, a file the runtime image has its own copy of`;
      break;
  }
  return out;
}

/** Does a RUN trust a key or add an apt source? */
export function touchesAptRepository(ins: InstructionNode): boolean {
  return (
    ins.keyword === "RUN" &&
    ins.commands.some(
      (c) =>
        c.name === "apt-key" ||
        /\/etc\/apt\/(sources\.list|trusted\.gpg|keyrings)|\/usr\/share\/keyrings\//.test(c.text),
    )
  );
}

/**
 * What a RUN that sets up a package repository leaves behind: the key and source files it writes
 * (to copy them), a reason when they cannot be told, or null when the RUN is not such a step (it
 * does more than fetch a key and write a source, or touches no repository at all).
 */
export function repositoryStep(ins: InstructionNode): RepositoryStep {
  if (!touchesAptRepository(ins)) return null;
  const files: string[] = [];
  for (const c of ins.commands) {
    if (/^apt(-get)?$/.test(c.name)) {
      const words = c.args.filter((a) => !a.startsWith("-"));
      if (words[0] === "update") continue;
      if (words[0] === "install" && words.slice(1).every((p) => SETUP_PACKAGES.test(p))) continue;
      return null;
    }
    // sed reads the image's own sources (the mirror, the codename); sed -i would edit them.
    const readsOnly = c.name === "sed" && !c.args.some((a) => /^-[a-zA-Z]*i/.test(a));
    if (c.name === "echo" || c.name === "printf" || HELPERS.has(c.name) || readsOnly) {
      const written = commandFiles(c);
      if (typeof written === "string") return { kind: "unknown", why: written };
      files.push(...written);
      continue;
    }
    if (!["apt-key", "gpg", "gpg2", "curl", "wget", "tee"].includes(c.name)) return null;
    const written = commandFiles(c);
    if (typeof written === "string") return { kind: "unknown", why: written };
    files.push(...written);
  }
  const kept = [...new Set(files)].filter((f) => !f.startsWith("/tmp/"));
  const odd = kept.find((f) => !f.startsWith("/") || /[$`*?]/.test(f));
  if (odd)
    return { kind: "unknown", why: `it writes ${odd}, a path that is not known before the build` };
  const outside = kept.find((f) => !APT_FILE.test(f));
  if (outside) return null;
  if (kept.length === 0)
    return { kind: "unknown", why: "the files it writes for the repository are not named" };
  return { kind: "files", files: kept };
}
