// Java (and Kotlin, Scala, Clojure on the JVM): jars built with Maven, Gradle, sbt, Mill or
// Leiningen on a JDK image and started with `java -jar`, or distributions with a launcher script
// (`sbt stage`, `sbt pack`, `gradle installDist`) started by that script. The runtime stage is the
// eclipse-temurin JRE of the same major version holding only the jar or the distribution folder.
import { posix } from "node:path";
import {
  allCommands,
  contextCopies,
  covers,
  entryProgram,
  genericCandidates,
  lastBuildIndex,
  option,
  scoreEcosystem,
} from "../src/artifacts.js";
import { images, normaliseRepo } from "../src/data.js";
import { javaOfTag } from "../src/java-tags.js";
import { resolvePath } from "../src/parse/shell.js";
import {
  isLeave,
  leave,
  type LeaveAlone,
  type Transform,
  type TransformContext,
  type TransformPlan,
} from "../src/transform.js";
import type { ArtifactCopy, Evidence, ShellCommand } from "../src/types.js";

/** Major versions published as eclipse-temurin:<v>-jre. */
const TEMURIN_JRE = [8, 11, 17, 21, 22, 23, 24, 25];
const MAVEN = new Set(["mvn", "mvnw"]);
const GRADLE = new Set(["gradle", "gradlew"]);
/** Gradle tasks that do not build a jar. */
const GRADLE_NON_BUILD = new Set(["dependencies", "help", "tasks", "clean", "test", "check"]);
/** Maven phases that write the jar to target/. */
const MAVEN_PACKAGE = new Set(["package", "install", "verify", "deploy"]);

const SBT = new Set(["sbt"]);
const MILL = new Set(["mill"]);
const LEIN = new Set(["lein"]);

const base = (name: string) => name.replace(/^.*\//, "");

/** The JDK major version from the builder's tag (`17-jdk`, `3.9-eclipse-temurin-21`, `jdk17`). */
export function javaVersion(family: string | undefined, tag: string): number | null {
  const t = tag.toLowerCase();
  // Images with their own tag scheme say how to read it (data/images.yaml javaTag).
  const scheme = images.families.find((f) => f.family === family)?.javaTag;
  if (scheme) {
    const m = new RegExp(scheme).exec(t);
    return m ? Number(m[1]) : null;
  }
  const named =
    /(?:^|-)(?:jdk|jre|eclipse-temurin|temurin|openjdk|amazoncorretto|corretto|sapmachine|ibm-semeru|ibmjava|graalvm)-?(\d+)(?:u\d+)?(?=$|[-.])/.exec(
      t,
    );
  if (named) return Number(named[1]);
  if (family === "eclipse-temurin" || family === "openjdk") {
    const lead = /^(\d+)/.exec(t);
    if (lead) return Number(lead[1]);
  }
  return null;
}

interface Build {
  tool: "maven" | "gradle" | "jar" | "sbt" | "mill" | "lein";
  /** What it writes: a jar, or a distribution folder with a launcher script in bin/. */
  output: "jar" | "dist";
  /** Project folder (the folder the tool runs in), or the jar file itself (the `jar` tool). */
  dir: string;
  line: number;
  text: string;
}

/** Where each tool writes its jar, relative to the project folder. */
const JAR_OUTPUT: Record<Exclude<Build["tool"], "jar">, RegExp> = {
  maven: /(^|\/)target\/[^/]+\.jar$/,
  gradle: /(^|\/)build\/libs\/[^/]+\.jar$/,
  sbt: /(^|\/)target\/scala-[^/]+\/[^/]+\.jar$/,
  mill: /(^|\/)out\/(.+\/)?assembly\.dest\/out\.jar$/,
  lein: /(^|\/)target\/(.+\/)?[^/]+-standalone\.jar$/,
};
/** Where each tool writes a distribution (group 0: the folder to copy), relative to the project. */
const DIST_OUTPUT: Partial<Record<Build["tool"], RegExp>> = {
  sbt: /^(.+\/)?target\/(universal\/stage|pack)(?=\/)/,
  gradle: /^(.+\/)?build\/install\/[^/]+(?=\/)/,
};
/** sbt tasks (after an optional `project/` prefix) that write a jar or a distribution. */
const SBT_TASKS: Record<string, Build["output"]> = { assembly: "jar", stage: "dist", pack: "dist" };

/** Maven/Gradle invocations that write a jar, with the project folder each runs in. */
function builds(ctx: TransformContext): Build[] {
  const out: Build[] = [];
  for (const { ins, cmd } of allCommands(ctx)) {
    const name = base(cmd.name);
    const words = cmd.args.filter((a) => !a.startsWith("-"));
    if (MAVEN.has(name)) {
      if (!words.some((w) => MAVEN_PACKAGE.has(w))) continue;
      const pom = option(cmd.args, ["-f", "--file"]);
      const dir = pom
        ? resolvePath(cmd.cwd, pom.endsWith(".xml") ? posix.dirname(pom) : pom)
        : cmd.cwd;
      out.push({ tool: "maven", output: "jar", dir, line: ins.line, text: cmd.text });
    } else if (name === "jar") {
      // `jar cfe app.jar Main -C classes .` / `jar --create --file app.jar …`
      const mode = cmd.args[0] ?? "";
      const create = cmd.args.includes("--create") || /^-?c[a-zA-Z]*$/.test(mode);
      const file =
        option(cmd.args, ["--file"]) ?? (/^-?c[a-zA-Z]*f/.test(mode) ? cmd.args[1] : undefined);
      if (create && file)
        out.push({
          tool: "jar",
          output: "jar",
          dir: resolvePath(cmd.cwd, file),
          line: ins.line,
          text: cmd.text,
        });
    } else if (GRADLE.has(name)) {
      const tasks = gradleTasks(cmd);
      if (tasks.length === 0 || tasks.every((t) => GRADLE_NON_BUILD.has(t.replace(/^.*:/, ""))))
        continue;
      const p = option(cmd.args, ["-p", "--project-dir"]);
      const dir = p ? resolvePath(cmd.cwd, p) : cmd.cwd;
      const dist = tasks.some((t) => /(^|:)installDist$/.test(t));
      out.push({ tool: "gradle", output: "jar", dir, line: ins.line, text: cmd.text });
      if (dist) out.push({ tool: "gradle", output: "dist", dir, line: ins.line, text: cmd.text });
    } else if (SBT.has(name)) {
      // `sbt clean assembly`, `sbt "project api" stage`, `sbt api/assembly`
      for (const task of cmd.args.filter((a) => !a.startsWith("-"))) {
        const output = SBT_TASKS[task.replace(/^.*\//, "")];
        if (output) out.push({ tool: "sbt", output, dir: cmd.cwd, line: ins.line, text: cmd.text });
      }
    } else if (MILL.has(name)) {
      if (cmd.args.some((a) => /(^|\.)assembly$/.test(a)))
        out.push({ tool: "mill", output: "jar", dir: cmd.cwd, line: ins.line, text: cmd.text });
    } else if (LEIN.has(name)) {
      if (cmd.args.includes("uberjar"))
        out.push({ tool: "lein", output: "jar", dir: cmd.cwd, line: ins.line, text: cmd.text });
    }
  }
  return out;
}

function gradleTasks(cmd: ShellCommand): string[] {
  const tasks: string[] = [];
  for (let i = 0; i < cmd.args.length; i++) {
    const a = cmd.args[i]!;
    if (/^(-p|--project-dir|-x|--exclude-task|-D|-P|-g|--gradle-user-home|-c)$/.test(a)) {
      i++;
      continue;
    }
    if (!a.startsWith("-")) tasks.push(a);
  }
  return tasks;
}

/** `java [options] -jar <jar> [args]`: the jar, and the options that name other files. */
function javaEntry(ctx: TransformContext): {
  jar: string | null;
  command: string;
  agent?: string;
  /** `-cp`/`-classpath`/`--class-path` and `-p`/`--module-path` entries, when given. */
  classPath: string[];
} | null {
  const e = entryProgram(ctx);
  if (!e || base(e.program) !== "java") return null;
  const command = [e.program, ...e.args].join(" ");
  const jarAt = e.args.indexOf("-jar");
  const agent = e.args.find((a) => a.startsWith("-javaagent:") || a.startsWith("-agentpath:"));
  const classPath: string[] = [];
  // Options before the main class or -jar are the JVM's; later words are the program's.
  const end = jarAt === -1 ? e.args.length : jarAt;
  for (let i = 0; i < end; i++) {
    const a = e.args[i]!;
    if (CLASS_PATH_OPTIONS.has(a)) classPath.push(...(e.args[++i] ?? "").split(":"));
    else if (!a.startsWith("-")) break;
  }
  return {
    jar: jarAt === -1 ? null : (e.args[jarAt + 1] ?? null),
    command,
    ...(agent ? { agent } : {}),
    classPath: classPath.filter(Boolean),
  };
}

/** A RUN after the last build that works in a build's output folder (`tar xzf` of a dist). */
function tailWorksInOutput(ctx: TransformContext, all: Build[]): string | null {
  const lastBuild = lastBuildIndex(ctx);
  const roots = all.flatMap((b) => {
    const root = OUTPUT_ROOT[b.tool];
    return root ? [posix.join(b.dir, root)] : [];
  });
  const inside = (p: string) => roots.some((r) => covers(r, p));
  for (const { ins, cmd } of allCommands(ctx)) {
    if (ins.index <= lastBuild) continue;
    if (inside(cmd.cwd) || cmd.args.some((a) => inside(resolvePath(cmd.cwd, a))))
      return `line ${ins.line} (${cmd.text.slice(0, 60)}) works in the build's output folder after the build: what the runtime stage needs from it is unknown`;
  }
  return null;
}

const CLASS_PATH_OPTIONS = new Set(["-cp", "-classpath", "--class-path", "-p", "--module-path"]);
/** Output folders, relative to the project, of the tools that compile classes and jars. */
const OUTPUT_ROOT: Partial<Record<Build["tool"], string>> = {
  maven: "target",
  gradle: "build",
  sbt: "target",
  lein: "target",
};

/**
 * The folders and jars a class path names, when every entry lies in a build's output folder:
 * `target/dist/lib/*` → the folder target/dist/lib. Otherwise why not.
 */
function classPathCopies(
  ctx: TransformContext,
  entries: string[],
  all: Build[],
): { copies: { path: string; by: Build }[] } | LeaveAlone {
  const copies: { path: string; by: Build }[] = [];
  for (const entry of entries) {
    if (entry.includes("$"))
      return leave("artifact-unknown", `the class path entry ${entry} names a variable`);
    const path = resolvePath(ctx.facts.finalWorkdir, entry.replace(/\/\*$|\/$/, ""));
    if (GLOB.test(path))
      return leave("artifact-unknown", `the class path entry ${entry} is a pattern`);
    const by = all.find((b) => {
      const root = OUTPUT_ROOT[b.tool];
      if (!root) return false;
      const out = posix.join(b.dir, root);
      return path !== out && covers(out, path);
    });
    if (!by)
      return leave(
        "artifact-unknown",
        `the class path entry ${entry} is not in the output folder of a build step`,
      );
    copies.push({ path, by });
  }
  // A folder already copied brings what lies in it.
  return {
    copies: copies.filter(
      (c, i) =>
        !copies.some(
          (o, j) => j !== i && (c.path.startsWith(o.path + "/") || (o.path === c.path && j < i)),
        ),
    ),
  };
}

/** Does a shell expand the command's words (shell form or `sh -c`)? */
function shellExpands(ctx: TransformContext): boolean {
  const spec = ctx.facts.entrypoint ?? ctx.facts.cmd;
  if (!spec) return false;
  if (spec.form === "shell") return true;
  return /^(\/bin\/)?(ba)?sh$/.test(spec.words[0] ?? "") && spec.words[1] === "-c";
}

const GLOB = /[*?[]/;

/** A jar path the build writes: `<project>/…/target/x.jar`, `<project>/…/build/libs/x.jar`… */
function builtBy(path: string, all: Build[]): Build | undefined {
  return all.find((b) => {
    if (b.output !== "jar") return false;
    if (b.tool === "jar") return b.dir === path;
    const rel = posix.relative(b.dir, path);
    if (rel.startsWith("..") || posix.isAbsolute(rel)) return false;
    return JAR_OUTPUT[b.tool].test(rel);
  });
}

/** The distribution folder a launcher script lies in, and the build that writes it. */
function distOf(path: string, all: Build[]): { dir: string; by: Build } | undefined {
  for (const b of all) {
    const pattern = DIST_OUTPUT[b.tool];
    if (b.output !== "dist" || !pattern) continue;
    const rel = posix.relative(b.dir, path);
    if (rel.startsWith("..") || posix.isAbsolute(rel)) continue;
    const m = pattern.exec(rel);
    // The launcher is <dist>/bin/<name>.
    if (m && /^\/bin\/[^/]+$/.test(rel.slice(m[0].length)))
      return { dir: posix.join(b.dir, m[0]), by: b };
  }
  return undefined;
}

/** The Java major version to run on (from the builder's tag), or why it is not known. */
function jreVersion(ctx: TransformContext): number | LeaveAlone {
  const base = ctx.facts.base;
  const known = javaVersionOf(ctx);
  if (known === null)
    return leave(
      "unsupported",
      `the Java version is not in the tag of ${base?.ref}${base && !base.fromArg && !base.digest && javaOfTag(normaliseRepo(base.name), base.tag) === null ? " nor in its last definition upstream (data/java-tags.json)" : ""}: the JRE to run on is unknown`,
    );
  const version = known.java;
  if (!TEMURIN_JRE.includes(version))
    return leave(
      "unsupported",
      `no eclipse-temurin JRE image is published for Java ${version} (${base?.ref})`,
    );
  return version;
}

/**
 * The builder's Java: read from its tag, else (a tag that does not say it, neither a digest nor a
 * build argument) from the tag's last definition upstream, with a note saying so.
 */
function javaVersionOf(ctx: TransformContext): { java: number; note?: string } | null {
  const base = ctx.facts.base;
  if (!base) return null;
  const inTag = javaVersion(ctx.facts.baseInfo?.family, base.tag);
  if (inTag !== null) return { java: inTag };
  if (base.fromArg || base.digest) return null;
  const data = javaOfTag(normaliseRepo(base.name), base.tag);
  if (!data) return null;
  return {
    java: data.java,
    note: `${base.name}:${base.tag} was last defined upstream with ${data.kind === "jre" ? "a JRE" : "a JDK"} ${data.java} (data/java-tags.json, from docker-library/official-images): the runtime is Java ${data.java}`,
  };
}

/** The image starts a launcher script (`target/universal/stage/bin/app`) of a built distribution. */
function launcherEntry(
  ctx: TransformContext,
  all: Build[],
): { program: string; dir: string; by: Build } | undefined {
  const e = entryProgram(ctx);
  if (!e) return undefined;
  const program = resolvePath(ctx.facts.finalWorkdir, e.program);
  if (!program.includes("/bin/")) return undefined;
  const found = distOf(program, all);
  return found ? { program: e.program, ...found } : undefined;
}

/** A distribution folder (jars in lib/, a launcher in bin/) copied whole onto the JRE. */
function planLauncher(
  ctx: TransformContext,
  version: number,
  all: Build[],
): TransformPlan | LeaveAlone {
  const launcher = launcherEntry(ctx, all)!;
  const tail = tailWorksInOutput(ctx, all);
  if (tail) return leave("artifact-unknown", tail);
  // sbt-native-packager's and Gradle's launchers are bash scripts.
  if (ctx.facts.baseInfo?.distro === "alpine")
    return leave(
      "unsupported",
      `the launcher ${launcher.program} is a bash script and the Alpine JRE image has no bash`,
    );
  return {
    runtimeClass: "jre",
    runtimeWhy: `a JVM distribution needs only a Java ${version} runtime (and the shell its launcher script runs in): the JRE of the builder's JDK version`,
    imageVars: { java: String(version) },
    artifacts: [
      {
        from: launcher.dir,
        to: launcher.dir,
        why: `the distribution ${launcher.by.text} writes (launcher script and jars)`,
        rule: `${launcher.by.tool}-dist`,
        line: launcher.by.line,
      },
    ],
    needsShell: true,
    evidence: [
      {
        rule: `${launcher.by.tool}-dist`,
        match: launcher.by.text,
        why: `writes ${launcher.dir}, whose bin/ holds ${posix.basename(launcher.program)}`,
      },
    ],
    notes: [
      "only the distribution folder reaches the runtime stage: files the program reads outside it must be copied too",
    ],
  };
}

/** Classes and jars on a class path, each in a build's output folder, copied onto the JRE. */
function planClassPath(
  ctx: TransformContext,
  classPath: string[],
  version: number,
  all: Build[],
): TransformPlan | LeaveAlone {
  const found = classPathCopies(ctx, classPath, all);
  if ("leave" in found) return found;
  const tail = tailWorksInOutput(ctx, all);
  if (tail) return leave("artifact-unknown", tail);
  return {
    runtimeClass: "jre",
    runtimeWhy: `compiled classes need only a Java ${version} runtime: the JRE of the builder's JDK version`,
    imageVars: { java: String(version) },
    artifacts: found.copies.map((c) => ({
      from: c.path,
      to: c.path,
      why: `on the class path; ${c.by.text} writes it`,
      rule: `${c.by.tool}-class-path`,
      line: c.by.line,
    })),
    evidence: [
      {
        rule: "java-class-path",
        match: classPath.join(":"),
        why: "every class path entry lies in a build's output folder",
      },
    ],
    notes: [
      "only the class path reaches the runtime stage: files the program reads outside it must be copied too",
    ],
  };
}

const java: Transform = {
  id: "java",
  describe:
    "JVM programs (Java, Kotlin, Scala, Clojure) built with Maven, Gradle, sbt, Mill or Leiningen and run on a JRE: a jar, a class path or a launcher script",
  detect(ctx) {
    const entry = javaEntry(ctx);
    const launcher = entry ? undefined : launcherEntry(ctx, builds(ctx));
    if (!entry && !launcher) return null;
    const { score, evidence } = scoreEcosystem(ctx, "java", ["maven", "gradle", "ant"]);
    if (score === 0) return null;
    if (entry)
      evidence.push({ rule: "java-entry", match: entry.command, why: "the image runs the JVM" });
    else
      evidence.push({
        rule: `${launcher!.by.tool}-dist`,
        match: launcher!.program,
        why: `the image runs the launcher script of the distribution ${launcher!.by.text} writes`,
      });
    return { ecosystem: "java", score: score + 2, evidence };
  },
  plan(ctx) {
    const planned = planJava(ctx);
    const note = isLeave(planned) ? undefined : javaVersionOf(ctx)?.note;
    if (note && !isLeave(planned)) planned.notes = [...(planned.notes ?? []), note];
    return planned;
  },
};
export default java;

function planJava(ctx: TransformContext): TransformPlan | LeaveAlone {
  const entry = javaEntry(ctx);
  const all = builds(ctx);
  if (!entry) {
    const version = jreVersion(ctx);
    return typeof version === "number" ? planLauncher(ctx, version, all) : version;
  }
  if (!entry.jar && entry.classPath.length > 0 && !entry.agent) {
    const version = jreVersion(ctx);
    return typeof version === "number"
      ? planClassPath(ctx, entry.classPath, version, all)
      : version;
  }
  if (!entry.jar)
    return leave(
      "artifact-unknown",
      `\`${entry.command}\` does not run a jar (-jar): its class path cannot be told from the Dockerfile`,
    );
  if (entry.agent)
    return leave(
      "artifact-unknown",
      `\`${entry.agent}\` loads another file at start, which the runtime stage would also need`,
    );
  if (all.length === 0)
    return leave(
      "nothing-built",
      "no Maven package, Gradle jar task or `jar` tool run is seen: no jar is built",
    );
  if (allCommands(ctx).some(({ cmd }) => cmd.args.some((a) => a.includes("copy-dependencies"))))
    return leave(
      "artifact-unknown",
      "dependencies are copied beside the jar (dependency:copy-dependencies): the class path is more than the jar",
    );
  const version = jreVersion(ctx);
  if (typeof version !== "number") return version;
  const tail = tailWorksInOutput(ctx, all);
  if (tail) return leave("artifact-unknown", tail);

  const workdir = ctx.facts.finalWorkdir;
  const jar = resolvePath(workdir, entry.jar);
  const evidence: Evidence[] = [];
  const artifacts: ArtifactCopy[] = [];
  const builderSteps: { line: string; why: string }[] = [];
  const builderOnly: number[] = [];
  const notes: string[] = [
    "only the jar reaches the runtime stage: it must carry its dependencies (Spring Boot, shade, shadowJar or jar-with-dependencies); files it reads beside it must be copied too",
  ];
  const lastBuild = lastBuildIndex(ctx);

  if (GLOB.test(jar)) {
    if (!shellExpands(ctx))
      return leave(
        "unsupported",
        `the exec-form command names the jar by a pattern (${entry.jar}) that no shell expands`,
      );
    const by = builtBy(jar, all);
    if (!by)
      return leave(
        "artifact-unknown",
        `the image runs ${entry.jar}, which no Maven/Gradle step is seen to write`,
      );
    // One file with a name the command's own pattern still matches.
    const stable = jar.replace(/\*+/g, "app").replace(/\?/g, "x");
    builderSteps.push({
      line: `RUN set -- ${jar} && [ "$#" -eq 1 ] && { [ "$1" = "${stable}" ] || cp "$1" "${stable}"; }`,
      why: `the command names the jar by the pattern ${entry.jar}: the builder checks it matches exactly one jar and copies it to ${posix.basename(stable)}, a stable name the same pattern matches, so the command stays as written`,
    });
    artifacts.push({
      from: stable,
      to: stable,
      why: `the jar ${by.text} builds`,
      rule: `${by.tool}-jar`,
      line: by.line,
    });
    evidence.push({ rule: `${by.tool}-jar`, match: by.text, why: `writes ${entry.jar}` });
  } else {
    const by = builtBy(jar, all);
    const placed = genericCandidates(ctx).find((c) => c.path === jar);
    if (by) {
      artifacts.push({
        from: jar,
        to: jar,
        why: `the jar ${by.text} builds`,
        rule: `${by.tool}-jar`,
        line: by.line,
      });
      evidence.push({ rule: `${by.tool}-jar`, match: by.text, why: `writes ${jar}` });
    } else if (placed) {
      artifacts.push({
        from: jar,
        to: jar,
        why: `placed by line ${placed.line}`,
        rule: placed.rule,
        line: placed.line,
      });
      evidence.push({
        rule: placed.rule,
        match: jar,
        why: `line ${placed.line} puts the jar there`,
      });
    } else {
      // `COPY target/app.jar app.jar` after the build copies from the build context, which the
      // original also copied whole into the builder: take the jar the build made instead.
      const tailCopy = contextCopies(ctx).find(
        (c) => c.index > lastBuild && c.dest === jar && c.sources.length === 1,
      );
      const whole = contextCopies(ctx).find(
        (c) => c.index < lastBuild && c.sources.length === 1 && /^\.\/?$/.test(c.sources[0]!),
      );
      const inBuilder =
        tailCopy && whole ? resolvePath(whole.dest, tailCopy.sources[0]!) : undefined;
      const built = inBuilder && !GLOB.test(inBuilder) ? builtBy(inBuilder, all) : undefined;
      if (!tailCopy || !inBuilder || !built)
        return leave(
          "artifact-unknown",
          `the image runs ${jar}, which no Maven/Gradle step is seen to write`,
        );
      builderOnly.push(tailCopy.index);
      artifacts.push({
        from: inBuilder,
        to: jar,
        why: `the jar ${built.text} builds (line ${tailCopy.line} copied ${tailCopy.sources[0]} from the build context instead)`,
        rule: `${built.tool}-jar`,
        line: built.line,
      });
      evidence.push({ rule: `${built.tool}-jar`, match: built.text, why: `writes ${inBuilder}` });
      notes.push(
        `line ${tailCopy.line} copied ${tailCopy.sources[0]} from the build context, not the jar the build wrote at ${inBuilder}; the runtime stage takes the built jar`,
      );
    }
  }
  return {
    runtimeClass: "jre",
    runtimeWhy: `a jar needs only a Java ${version} runtime: the JRE of the builder's JDK version`,
    imageVars: { java: String(version) },
    artifacts,
    builderOnly,
    builderSteps,
    evidence,
    notes,
  };
}
