// Go: `go build -o`, `go install`/`go get` into $GOBIN or $GOPATH/bin.
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

function candidates(ctx: TransformContext): { list: Candidate[]; cgoOff: boolean; cgoWhy: string } {
  const list: Candidate[] = [...genericCandidates(ctx)];
  let builds = 0;
  let cgoOffBuilds = 0;
  for (const { ins, cmd } of allCommands(ctx)) {
    if (cmd.name !== "go") continue;
    const sub = cmd.args[0];
    if (sub !== "build" && sub !== "install" && sub !== "get") continue;
    const env = { ...envAt(ctx, ins.index), ...cmd.assignments };
    builds++;
    const exported = ins.commands.some(
      (c) => c.name === "export" && c.args.includes("CGO_ENABLED=0"),
    );
    if (env["CGO_ENABLED"] === "0" || exported) cgoOffBuilds++;
    const pkgs = cmd.args
      .slice(1)
      .filter(
        (a, i, all) =>
          !a.startsWith("-") && !/^-(o|ldflags|tags|gcflags|mod|p)$/.test(all[i - 1] ?? ""),
      );
    if (sub === "build") {
      if (option(cmd.args, ["-o"])) continue; // generic candidates hold -o outputs
      const pkg = pkgs.find((p) => !p.endsWith(".go")) ?? "";
      const name =
        pkg && pkg !== "." && !pkg.includes("...") ? posix.basename(pkg) : posix.basename(cmd.cwd);
      list.push({ path: resolvePath(cmd.cwd, name), dir: false, line: ins.line, rule: "go-build" });
      continue;
    }
    const gopath = expand(env["GOPATH"] ?? "/go", env).split(":")[0]!;
    const bin = env["GOBIN"] ? expand(env["GOBIN"], env) : posix.join(gopath, "bin");
    const named = pkgs.filter((p) => p.replace(/\/$/, "") !== "." && !p.includes("..."));
    for (const p of named) {
      const clean = p.replace(/@.*$/, "");
      list.push({
        path: posix.join(bin, posix.basename(clean)),
        dir: false,
        line: ins.line,
        rule: `go-${sub}`,
      });
    }
    if (named.length === 0)
      list.push({ path: bin + "/", dir: true, line: ins.line, rule: `go-${sub}` });
  }
  const cgoOff = builds > 0 && cgoOffBuilds === builds;
  const cgoWhy = cgoOff
    ? "built with CGO_ENABLED=0: a static binary"
    : "cgo is not disabled, so the binary may link libc dynamically";
  return { list, cgoOff, cgoWhy };
}

const go: Transform = {
  id: "go",
  describe: "Go programs built with go build / go install / go get",
  detect(ctx) {
    const { score, evidence } = scoreEcosystem(ctx, "go", ["golang", "golang-go", "go"]);
    return score > 0 ? { ecosystem: "go", score, evidence } : null;
  },
  plan(ctx) {
    const { list, cgoOff, cgoWhy } = candidates(ctx);
    const resolved = resolveArtifacts(ctx, list);
    if ("leave" in resolved) return resolved;
    const native = nativeClass(ctx);
    // A downloaded program copied with it may link the C library: not a static runtime.
    const static_ = cgoOff && !resolved.prebuilt;
    const runtimeClass = static_ ? "static" : native.runtimeClass;
    return {
      runtimeClass,
      runtimeWhy: static_
        ? cgoWhy
        : `${resolved.prebuilt ? "the image runs a program from a downloaded archive" : cgoWhy}; ${native.runtimeWhy}`,
      artifacts: resolved.artifacts,
      needsShell: resolved.script,
      evidence: resolved.evidence,
    };
  },
};
export default go;
