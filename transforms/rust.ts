// Rust: `cargo build --release` into target/, `cargo install` into $CARGO_HOME/bin.
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
import { resolvePath } from "../src/parse/shell.js";
import type { Transform, TransformContext } from "../src/transform.js";

function candidates(ctx: TransformContext): { list: Candidate[]; musl: boolean } {
  const list: Candidate[] = [...genericCandidates(ctx)];
  let musl = false;
  for (const { ins, cmd } of allCommands(ctx)) {
    if (cmd.name !== "cargo") continue;
    const env = { ...envAt(ctx, ins.index), ...cmd.assignments };
    const target = option(cmd.args, ["--target"]);
    if (target?.includes("musl")) musl = true;
    if (cmd.args[0] === "build") {
      const profile =
        cmd.args.includes("--release") || cmd.args.includes("-r")
          ? "release"
          : (option(cmd.args, ["--profile"]) ?? "debug");
      const dir = option(cmd.args, ["--target-dir"]) ?? env["CARGO_TARGET_DIR"] ?? "target";
      const out = posix.join(resolvePath(cmd.cwd, expand(dir, env)), target ?? "", profile) + "/";
      list.push({ path: out, dir: true, line: ins.line, rule: "cargo-build" });
    } else if (cmd.args[0] === "install") {
      const root =
        option(cmd.args, ["--root"]) ??
        env["CARGO_INSTALL_ROOT"] ??
        env["CARGO_HOME"] ??
        "/usr/local/cargo";
      list.push({
        path: posix.join(resolvePath(cmd.cwd, expand(root, env)), "bin") + "/",
        dir: true,
        line: ins.line,
        rule: "cargo-install",
      });
    }
  }
  return { list, musl };
}

const rust: Transform = {
  id: "rust",
  describe: "Rust programs built with cargo build / cargo install",
  detect(ctx) {
    const { score, evidence } = scoreEcosystem(ctx, "rust", ["cargo", "rustc", "rust"]);
    return score > 0 ? { ecosystem: "rust", score, evidence } : null;
  },
  plan(ctx) {
    const { list, musl } = candidates(ctx);
    const resolved = resolveArtifacts(ctx, list);
    if ("leave" in resolved) return resolved;
    const native = nativeClass(ctx);
    return {
      runtimeClass: musl && !resolved.prebuilt ? "static" : native.runtimeClass,
      runtimeWhy:
        musl && !resolved.prebuilt ? "built for a musl target: a static binary" : native.runtimeWhy,
      artifacts: resolved.artifacts,
      needsShell: resolved.script,
      evidence: resolved.evidence,
    };
  },
};
export default rust;
