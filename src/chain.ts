// RUN chains that install a toolchain, build, place the output and remove the toolchain again in
// one RUN (`apt-get install gcc make && make && make install && apt-get purge -y gcc make`). Split
// only where the split point is clear: the build part stays in the builder, the output reaches the
// runtime stage by COPY --from, the removal is dropped (the builder never reaches the final image).
import { posix } from "node:path";
import { expand } from "./analyse.js";
import { covers } from "./artifacts.js";
import { commands as commandData, findMatcher, packages } from "./data.js";
import { redirectFiles, resolvePath } from "./parse/shell.js";
import { leave, type LeaveAlone, type TransformContext } from "./transform.js";
import type { InstructionNode, ShellCommand } from "./types.js";

export const PACKAGE_TOOLS = new Set(["apt-get", "apt", "aptitude", "apk", "yum", "dnf"]);
/** Package-manager verbs that only tidy up (no package named). */
const TIDY_VERBS = new Set(["autoremove", "clean", "autoclean", "cache"]);
/** Build scratch: caches, package lists, temporary files (nothing the image is for). */
export const SCRATCH =
  /^\/(tmp|root|var\/lib\/apt|var\/cache|var\/lib\/apk|usr\/local\/lib\/node_modules|usr\/lib\/node_modules|usr\/local\/share\/\.cache)(\/|$)/;
/** Commands that change no file when they redirect nowhere. */
const NEUTRAL = new Set(["set", "true", ":", "echo", "printf", "ls", "cat", "nproc", "cd"]);
/** File commands allowed after the build when everything they write is copied from the builder. */
const PLACING = new Set(["cp", "mv", "install", "rsync", "mkdir", "chmod", "touch", "ln", "strip"]);

/** Plain `&&` between every two commands of a RUN (line continuations and blanks allowed). */
export function plainAndChain(text: string, cmds: ShellCommand[]): boolean {
  return notAnd(text, cmds) === null;
}

/** The first place two commands of a RUN are joined by something else than `&&`. */
export function notAnd(
  text: string,
  cmds: ShellCommand[],
): { after: ShellCommand; joint: string } | null {
  for (let i = 1; i < cmds.length; i++) {
    const prev = cmds[i - 1]!;
    const gap = text.slice(prev.offset + prev.text.length, cmds[i]!.offset);
    if (!/^(\s|\\\r?\n)*&&(\s|\\\r?\n)*$/.test(gap))
      return {
        after: prev,
        joint: gap
          .replace(/\\\r?\n/g, " ")
          .replace(/\s+/g, " ")
          .trim(),
      };
  }
  return null;
}

/** Packages a command removes (apt-get purge/remove, apk del, yum remove), or null. */
export function removedPackages(cmd: ShellCommand): string[] | null {
  const manager =
    cmd.name === "apk"
      ? "apk"
      : cmd.name === "yum" || cmd.name === "dnf"
        ? cmd.name
        : PACKAGE_TOOLS.has(cmd.name)
          ? "apt"
          : null;
  if (!manager) return null;
  const verbs = packages.managers[manager]?.remove ?? [];
  const words = cmd.args.filter((a) => !a.startsWith("-"));
  if (!words[0] || !verbs.includes(words[0])) return null;
  return words.slice(1).map((w) => w.replace(/[=:].*$/, ""));
}

/** A package removal or clean-up, or an rm of build scratch only. */
function tidy(c: ShellCommand, env: Record<string, string>): boolean {
  if (removedPackages(c)) return true;
  if (PACKAGE_TOOLS.has(c.name)) {
    const verb = c.args.find((a) => !a.startsWith("-"));
    return verb !== undefined && TIDY_VERBS.has(verb);
  }
  if (c.name !== "rm") return false;
  const paths = c.args.filter((a) => !a.startsWith("-"));
  return (
    paths.length > 0 &&
    paths.every((p) => SCRATCH.test(resolvePath(c.cwd, expand(p, { ...env, ...c.assignments }))))
  );
}

/**
 * The RUN cut before its trailing removals and clean-ups, when the cut is clear: shell form, no
 * comment or heredoc inside, a plain `&&` chain, and a package removal among the dropped commands.
 */
export function cutRemovals(
  text: string,
  escape: string,
  ins: InstructionNode,
  env: Record<string, string>,
): { index: number; text: string; why: string } | null {
  const cmds = ins.commands;
  if (ins.exec || escape !== "\\" || cmds.length < 2) return null;
  if (/\n[ \t]*#/.test(ins.raw) || /<<-?\s*['"]?\w/.test(ins.raw)) return null;
  if (!plainAndChain(text, cmds)) return null;
  let k = cmds.length;
  while (k > 0 && tidy(cmds[k - 1]!, env)) k--;
  const dropped = cmds.slice(k);
  if (k === 0 || !dropped.some((c) => (removedPackages(c)?.length ?? 0) > 0)) return null;
  const prev = cmds[k - 1]!;
  const end = prev.offset + prev.text.length;
  if (end <= ins.start || end > ins.end) return null;
  const cutText = text.slice(ins.start, end);
  if (!ins.raw.startsWith(cutText)) return null;
  const removedText = dropped.map((c) => c.text.replace(/\s+/g, " ")).join(" && ");
  return {
    index: ins.index,
    text: cutText,
    why: `\`${removedText.length > 100 ? removedText.slice(0, 97) + "..." : removedText}\` is dropped: it only removes packages and build files, and the builder never reaches the final image (the runtime stage gets the output by COPY --from)`,
  };
}

/**
 * Builder-only RUNs that build and then remove packages in the same RUN: the commands after the
 * last build step may only remove packages or files (not under /etc), tidy up, or place what the
 * runtime stage copies, and no build step may follow a removal; otherwise the file is left alone,
 * naming the command. Only a plain `&&` chain is cut (see cutRemovals); any other shape stays
 * whole in the builder. Answers the cuts, or why the file is left.
 */
export function removalChains(
  ctx: TransformContext,
  carried: number[],
  lastBuild: number,
  copied: string[],
  env: Record<string, string>,
): { index: number; text: string; why: string }[] | LeaveAlone {
  const cuts: { index: number; text: string; why: string }[] = [];
  for (const ins of ctx.doc.instructions) {
    if (ins.keyword !== "RUN" || ins.index > lastBuild || carried.includes(ins.index)) continue;
    const cmds = ins.commands;
    const producing = cmds.map((c) => {
      const rule = findMatcher(commandData.rules, c.name, c.args);
      return rule?.role === "build" || rule?.role === "artifact" ? rule.role : null;
    });
    const firstBuild = producing.findIndex((r) => r === "build" || r === "artifact");
    if (firstBuild === -1) continue;
    const removal = cmds.findIndex(
      (c, i) => i > firstBuild && (removedPackages(c)?.length ?? 0) > 0,
    );
    if (removal === -1) continue;
    const head = `line ${ins.line} installs, builds and removes packages in one RUN`;
    let lastProducing = -1;
    producing.forEach((r, i) => {
      if (r) lastProducing = i;
    });
    if (lastProducing > removal)
      return leave(
        "unsupported",
        `${head}: \`${cmds[lastProducing]!.text.slice(0, 60)}\` runs after \`${cmds[removal]!.text.slice(0, 60)}\` removes packages, so the chain cannot be split there`,
        ins.line,
      );
    for (const c of cmds.slice(lastProducing + 1)) {
      const b = posix.basename(c.name);
      if (!c.name || tidy(c, env)) continue;
      const vars = { ...env, ...c.assignments };
      // Removing what the build made: the runtime stage never had it. Not configuration under
      // /etc, which the image may have had (removing a default site changes the server).
      // `find … -delete` / `-exec rm …`: removal too (of what its start folders hold).
      if (b === "find") {
        const start = c.args.findIndex((a) => a.startsWith("-") || a === "(" || a === "!");
        const roots = (start === -1 ? c.args : c.args.slice(0, start)).map((p) =>
          resolvePath(c.cwd, expand(p, vars)),
        );
        const expr = start === -1 ? [] : c.args.slice(start);
        const execs = expr.flatMap((a, i) => (/^-(exec|execdir|ok)$/.test(a) ? [expr[i + 1]] : []));
        const removes = expr.includes("-delete") || execs.length > 0;
        if (
          removes &&
          execs.every((e) => e === "rm") &&
          roots.length > 0 &&
          roots.every((p) => p !== "/" && !covers("/etc", p))
        )
          continue;
      }
      if (b === "rm") {
        const paths = c.args
          .filter((a) => !a.startsWith("-"))
          .map((p) => resolvePath(c.cwd, expand(p, vars)));
        if (paths.length > 0 && paths.every((p) => p !== "/" && !covers("/etc", p))) continue;
      }
      const out = redirectFiles(c.text).map((p) => resolvePath(c.cwd, expand(p, vars)));
      const words =
        PLACING.has(b) && b !== "chmod"
          ? c.args.filter((a) => !a.startsWith("-"))
          : c.args.filter((a) => !a.startsWith("-")).slice(1);
      const written = [...words.map((p) => resolvePath(c.cwd, expand(p, vars))), ...out];
      const isCopied = (p: string) => copied.some((d) => covers(d, p)) || SCRATCH.test(p);
      if (NEUTRAL.has(b) && out.every(isCopied)) continue;
      if (PLACING.has(b) && written.length > 0 && written.every(isCopied)) continue;
      return leave(
        "unsupported",
        `${head}: \`${c.text.slice(0, 60)}\` runs after the build and its effect would not reach the runtime stage (only the build's output is copied)`,
        ins.line,
      );
    }
    const cut = cutRemovals(ctx.doc.text, ctx.doc.escape, ins, env);
    if (cut) cuts.push(cut);
  }
  return cuts;
}
