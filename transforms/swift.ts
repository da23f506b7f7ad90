// Swift packages built with `swift build` on the official swift images. The program links the
// Swift runtime libraries of its toolchain, which the same tag's -slim image holds (same version,
// same OS release), so the runtime stage is that image with the program alone.
import { posix } from "node:path";
import { allCommands, entryProgram, option, scoreEcosystem } from "../src/artifacts.js";
import { resolvePath } from "../src/parse/shell.js";
import { leave, type Transform, type TransformContext } from "../src/transform.js";

/** The -slim twin of a swift tag: 6.1-jammy → 6.1-jammy-slim, latest → slim. */
export function swiftSlimTag(tag: string): string {
  const t = tag.toLowerCase();
  if (t === "slim" || t.endsWith("-slim")) return tag;
  return t === "latest" ? "slim" : `${tag}-slim`;
}

/** The `swift build` steps: where each writes its products (<build path>/[<triple>/]<config>). */
function swiftBuilds(ctx: TransformContext) {
  return allCommands(ctx)
    .filter(({ cmd }) => cmd.name.replace(/^.*\//, "") === "swift" && cmd.args[0] === "build")
    .map(({ ins, cmd }) => {
      const config = option(cmd.args, ["-c", "--configuration"]) ?? "debug";
      const pkg = resolvePath(cmd.cwd, option(cmd.args, ["--package-path"]) ?? ".");
      const build = resolvePath(pkg, option(cmd.args, ["--build-path"]) ?? ".build");
      return { build, config, line: ins.line, text: cmd.text };
    });
}

const swift: Transform = {
  id: "swift",
  describe:
    "Swift packages (swift build) on the official swift images: the program on the same tag's -slim image",
  detect(ctx) {
    if (ctx.facts.baseInfo?.family !== "swift") return null;
    const { score, evidence } = scoreEcosystem(ctx, "swift", []);
    return score > 0 ? { ecosystem: "swift", score, evidence } : null;
  },
  plan(ctx) {
    const base = ctx.facts.base!;
    const entry = entryProgram(ctx);
    if (!entry)
      return leave(
        "artifact-unknown",
        "the image has no command: which product to keep is not told",
      );
    const program = resolvePath(ctx.facts.finalWorkdir, entry.program);
    const dir = posix.dirname(program);
    // .build/release is a link to .build/<triple>/release: either names the product.
    const build = swiftBuilds(ctx).find(
      (b) =>
        posix.basename(dir) === b.config &&
        (posix.dirname(dir) === b.build || posix.dirname(posix.dirname(dir)) === b.build),
    );
    if (!build)
      return leave(
        "artifact-unknown",
        `the image runs ${entry.program}, which is not a product of a swift build step seen in the file (.build/<configuration>/<product>)`,
      );
    // Resource bundles (<Package>_<Target>.resources) sit beside the program and are loaded by
    // Bundle.module: only a manifest that declares no resources shows there are none.
    const context =
      ctx.buildContext && !("unknown" in ctx.buildContext) ? ctx.buildContext.input : null;
    const manifest = context?.contents?.["Package.swift"];
    if (manifest === undefined)
      return leave(
        "artifact-unknown",
        "Package.swift was not read (no build context): whether the product has resource bundles beside it cannot be told",
      );
    if (/\bresources\s*:/.test(manifest))
      return leave(
        "artifact-unknown",
        "Package.swift declares resources: their bundles beside the program would have to be copied too",
      );
    return {
      runtimeClass: "swift",
      runtimeWhy: `a Swift program links the Swift runtime libraries of its toolchain: ${base.name}:${swiftSlimTag(base.tag)} has them for the same version and OS release`,
      imageVars: { slim: swiftSlimTag(base.tag) },
      artifacts: [
        {
          from: program,
          to: program,
          why: `the product ${posix.basename(program)} of line ${build.line} (${build.text.slice(0, 60)})`,
          rule: "swift-build",
          line: build.line,
        },
      ],
      evidence: [
        { rule: "swift-build", match: build.text.slice(0, 100), why: `writes ${program}` },
      ],
    };
  },
};
export default swift;
