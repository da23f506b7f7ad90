// Java (and Kotlin, Scala, Clojure on the JVM): jars built with Maven, Gradle, sbt, Mill or
// Leiningen on a JDK image and started with `java -jar`, or distributions with a launcher script
// (`sbt stage`, `sbt pack`, `gradle installDist`) started by that script. The runtime stage is the
// eclipse-temurin JRE of the same major version holding only the jar or the distribution folder.
import { posix } from "node:path";
import { expand } from "../src/analyse.js";
import {
  allCommands,
  contextCopies,
  covers,
  entryProgram,
  envAt,
  genericCandidates,
  lastBuildIndex,
  option,
  scoreEcosystem,
} from "../src/artifacts.js";
import { normalise } from "../src/build-context.js";
import { images, matchesEntry, normaliseRepo, packages } from "../src/data.js";
import { javaOfTag } from "../src/java-tags.js";
import { resolvePath } from "../src/parse/shell.js";
import { tagRelease } from "../src/releases.js";
import {
  isLeave,
  leave,
  type LeaveAlone,
  type Transform,
  type TransformContext,
  type TransformPlan,
} from "../src/transform.js";
import type { ArtifactCopy, Evidence, InstructionNode, ShellCommand } from "../src/types.js";

/** The builder's Java is the OS's JDK packages (javaVersionOf): the runtime installs their JREs. */
const OS_JAVA = 0;
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
  tool: "maven" | "gradle" | "jar" | "scalac" | "sbt" | "mill" | "lein" | "ant";
  /**
   * What it writes: a jar (Maven, Gradle and Leiningen builds may write a war instead), a war
   * (Ant), or a distribution folder with a launcher script in bin/.
   */
  output: "jar" | "war" | "dist";
  /**
   * Project folder (the folder the tool runs in), or the file itself (`jar`, Ant), or what
   * `scalac -d` names (a jar, or a folder of classes).
   */
  dir: string;
  line: number;
  text: string;
}

/** Where each tool writes its jar, relative to the project folder. */
const JAR_OUTPUT: Record<Exclude<Build["tool"], "jar" | "scalac" | "ant">, RegExp> = {
  maven: /(^|\/)target\/[^/]+\.jar$/,
  gradle: /(^|\/)build\/libs\/[^/]+\.jar$/,
  sbt: /(^|\/)target\/scala-[^/]+\/[^/]+\.jar$/,
  mill: /(^|\/)out\/(.+\/)?assembly\.dest\/out\.jar$/,
  lein: /(^|\/)target\/(.+\/)?[^/]+-standalone\.jar$/,
};
/** Where each tool writes a war (`mvn package` of a war project, `gradle war`, `lein ring uberwar`). */
const WAR_OUTPUT: Partial<Record<Build["tool"], RegExp>> = {
  maven: /(^|\/)target\/[^/]+\.war$/,
  gradle: /(^|\/)build\/libs\/[^/]+\.war$/,
  lein: /(^|\/)target\/(.+\/)?[^/]+\.war$/,
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
    } else if (name === "scalac") {
      // `scalac -d app.jar src/*.scala`: -d names the jar (or the folder) the classes go to.
      const d = option(cmd.args, ["-d"]);
      if (d && !d.includes("$") && !GLOB.test(d))
        out.push({
          tool: "scalac",
          output: "jar",
          dir: resolvePath(cmd.cwd, d),
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
    } else if (name === "ant") {
      const found = antOutputs(ctx, ins, cmd);
      if (!("unknown" in found))
        for (const o of found)
          out.push({ tool: "ant", output: o.kind, dir: o.path, line: ins.line, text: cmd.text });
    } else if (LEIN.has(name)) {
      if (cmd.args.includes("uberjar") || cmd.args.includes("uberwar"))
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
    jar: jarAt === -1 ? null : jarFileAfter(e.args, jarAt),
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

/**
 * The jar file of `java … -jar …`: the launcher reads options until the first word that is not one,
 * so JVM options may follow -jar (`-jar -Dx=y app.jar`); -cp/-p take the next word as their value.
 */
function jarFileAfter(args: string[], jarAt: number): string | null {
  for (let i = jarAt + 1; i < args.length; i++) {
    const a = args[i]!;
    if (CLASS_PATH_OPTIONS.has(a)) i++;
    else if (!a.startsWith("-")) return a;
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
 * The folders and jars a class path names, when every entry lies in a build's output folder
 * (`target/dist/lib/*` → the folder target/dist/lib), is a jar a build writes (`jar`, `scalac -d
 * x.jar`), or, when `osPackages`, is a jar of an OS package the builder installs
 * (/usr/share/java/scala-library.jar: data/packages.yaml osJars). Otherwise why not.
 */
function classPathCopies(
  ctx: TransformContext,
  entries: string[],
  all: Build[],
  osPackages: boolean,
): { copies: { path: string; by: Build }[]; packages: OsJar[] } | LeaveAlone {
  const copies: { path: string; by: Build }[] = [];
  const fromPackages: OsJar[] = [];
  for (const entry of entries) {
    if (entry.includes("$"))
      return leave("artifact-unknown", `the class path entry ${entry} names a variable`);
    const path = resolvePath(ctx.facts.finalWorkdir, entry.replace(/\/\*$|\/$/, ""));
    if (GLOB.test(path))
      return leave("artifact-unknown", `the class path entry ${entry} is a pattern`);
    const by =
      all.find((b) => {
        const root = OUTPUT_ROOT[b.tool];
        if (!root) return false;
        const out = posix.join(b.dir, root);
        return path !== out && covers(out, path);
      }) ?? builtBy(path, all);
    if (by) {
      copies.push({ path, by });
      continue;
    }
    if (path.startsWith("/usr/share/java/")) {
      const found = osJar(ctx, path);
      if ("leave" in found) return found;
      if (!osPackages)
        return leave(
          "unsupported",
          `the class path entry ${entry} comes from the OS package ${found.package}, and the runtime stage would be a JRE image, not the builder's OS release that can install it`,
        );
      fromPackages.push(found);
      continue;
    }
    return leave(
      "artifact-unknown",
      `the class path entry ${entry} is not in the output folder of a build step`,
    );
  }
  // A folder already copied brings what lies in it.
  return {
    packages: fromPackages,
    copies: copies.filter(
      (c, i) =>
        !copies.some(
          (o, j) => j !== i && (c.path.startsWith(o.path + "/") || (o.path === c.path && j < i)),
        ),
    ),
  };
}

interface OsJar {
  jar: string;
  package: string;
  /** The package installing it in the builder, and its line. */
  installed: string;
  line: number;
}

/** The OS package shipping a jar under /usr/share/java, which the builder must install. */
function osJar(ctx: TransformContext, path: string): OsJar | LeaveAlone {
  const known = (packages.osJars["apt"] ?? []).find((j) => matchesEntry(j.jar, path));
  if (!known)
    return leave(
      "artifact-unknown",
      `the class path entry ${path} comes from an OS package the data does not know (data/packages.yaml osJars)`,
    );
  for (const l of ctx.facts.lines)
    for (const p of l.packages)
      if (p.manager === "apt")
        for (const n of p.names)
          if (known.installedBy.includes(n))
            return { jar: path, package: known.package, installed: n, line: l.line };
  return leave(
    "artifact-unknown",
    `the class path entry ${path} is a jar of ${known.package}, which no apt line installs (${known.installedBy.join(" or ")}): the file there comes from elsewhere, and installing the package in the runtime stage would not give the same jar`,
  );
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
function builtBy(path: string, all: Build[], kind: "jar" | "war" = "jar"): Build | undefined {
  return all.find((b) => {
    if (b.tool === "jar" || b.tool === "scalac") return b.dir === path;
    if (b.tool === "ant") return b.output === kind && b.dir === path;
    if (b.output !== "jar") return false;
    const rel = posix.relative(b.dir, path);
    if (rel.startsWith("..") || posix.isAbsolute(rel)) return false;
    return kind === "war" ? (WAR_OUTPUT[b.tool]?.test(rel) ?? false) : JAR_OUTPUT[b.tool].test(rel);
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
  const info = ctx.facts.baseInfo;
  if (known === null && info?.kind === "os") {
    // A JDK package of the OS whose JRE package is not known says so.
    const jre = osJrePackages(ctx);
    if ("leave" in jre) return jre;
  }
  if (known === null)
    return leave(
      "unsupported",
      `the Java version is not in the tag of ${base?.ref}${base && !base.fromArg && !base.digest && javaOfTag(normaliseRepo(base.name), base.tag) === null ? " nor in its last definition upstream (data/java-tags.json)" : ""}: the JRE to run on is unknown`,
    );
  const version = known.java;
  if (version === OS_JAVA) return version;
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
function javaVersionOf(
  ctx: TransformContext,
): { java: number; note?: string; pin?: { from: string; to: string; why: string } } | null {
  const base = ctx.facts.base;
  if (!base) return null;
  const inTag = javaVersion(ctx.facts.baseInfo?.family, base.tag);
  if (inTag !== null) return { java: inTag };
  // An OS image with a JDK from the OS's packages: the JRE packages of the same release run it.
  const info = ctx.facts.baseInfo;
  if (info?.kind === "os" && (info.distro === "debian" || info.distro === "ubuntu")) {
    const jre = osJrePackages(ctx);
    if (!("leave" in jre) && jre.jdks.length > 0) return { java: OS_JAVA };
  }
  if (base.fromArg || base.digest) return null;
  const data = javaOfTag(normaliseRepo(base.name), base.tag);
  if (!data) return null;
  const from = `${base.name}:${base.tag}`;
  return {
    java: data.java,
    note: `${from} ${data.pin ? "is" : "was last defined"} upstream with ${data.kind === "jre" ? "a JRE" : "a JDK"} ${data.java} (data/java-tags.json, from docker-library/official-images): the runtime is Java ${data.java}`,
    ...(data.pin
      ? {
          pin: {
            from,
            to: `${base.name}:${data.pin}`,
            why: `${from} floats between Java versions (JDK ${data.java} today, data/java-tags.json); ${data.pin} names it, so builder and runtime stay on one Java`,
          },
        }
      : {}),
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
  const found = classPathCopies(ctx, classPath, all, version === OS_JAVA);
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
    ...(found.packages.length
      ? { runtimePackages: [...new Set(found.packages.map((p) => p.package))] }
      : {}),
    evidence: [
      {
        rule: "java-class-path",
        match: classPath.join(":"),
        why: found.packages.length
          ? "every class path entry is a build's output or a jar of an OS package the builder installs"
          : "every class path entry lies in a build's output folder",
      },
      ...found.packages.map((p) => ({
        rule: "os-jar",
        match: p.jar,
        why: `shipped by ${p.package} (data/packages.yaml osJars), which line ${p.line} installs${p.installed === p.package ? "" : ` with ${p.installed}`}: the runtime stage installs ${p.package}`,
      })),
    ],
    notes: [
      "only the class path reaches the runtime stage: files the program reads outside it must be copied too",
    ],
  };
}

const java: Transform = {
  id: "java",
  describe:
    "JVM programs (Java, Kotlin, Scala, Clojure) built with Maven, Gradle, Ant, sbt, Mill or Leiningen and run on a JRE (a jar, a class path or a launcher script), or a war deployed into a servlet container",
  detect(ctx) {
    const entry = javaEntry(ctx);
    const all = builds(ctx);
    const launcher = entry ? undefined : launcherEntry(ctx, all);
    const container = entry || launcher ? null : containerOf(ctx);
    const wars = container ? deployments(ctx, container.c, all) : [];
    const ant = allCommands(ctx).some(({ cmd }) => base(cmd.name) === "ant");
    const stray = entry || launcher || container ? null : unknownContainerDeploy(ctx, all);
    if (!entry && !launcher && wars.length === 0 && !(container && ant) && !stray) return null;
    const { score, evidence } = scoreEcosystem(ctx, "java", ["maven", "gradle", "ant"]);
    if (score === 0) return null;
    if (container)
      evidence.push({
        rule: "servlet-container",
        match: container.c.name,
        why: wars.length
          ? `the build deploys ${wars.map((w) => posix.basename(w.to)).join(", ")} into ${container.c.webapps}`
          : "the image is a servlet container",
      });
    else if (entry)
      evidence.push({ rule: "java-entry", match: entry.command, why: "the image runs the JVM" });
    else if (stray)
      evidence.push({
        rule: "servlet-container",
        match: stray.dest,
        why: `line ${stray.line} deploys a built war into a webapps folder`,
      });
    else if (launcher)
      evidence.push({
        rule: `${launcher.by.tool}-dist`,
        match: launcher.program,
        why: `the image runs the launcher script of the distribution ${launcher.by.text} writes`,
      });
    return { ecosystem: "java", score: score + 2, evidence };
  },
  plan(ctx) {
    const planned = planJava(ctx);
    if (isLeave(planned)) return planned;
    const known = javaVersionOf(ctx);
    if (known?.note) planned.notes = [...(planned.notes ?? []), known.note];
    if (known?.pin && !planned.builderImage) planned.builderImage = known.pin;
    if (planned.runtimeClass === "jre" && planned.imageVars?.["java"] === String(OS_JAVA)) {
      // The JDK came from the OS's packages: its JRE packages on the builder's own release.
      const jre = osJrePackages(ctx);
      if ("leave" in jre) return jre;
      // A compiler package (scala) rather than a JDK: its programs need its library jars, which
      // only a class path naming them (osJars) says; a jar's manifest or a launcher may too.
      const compilers = jre.jdks.filter((n) => !/(^|-)jdk(-|$)/.test(n));
      const entry = javaEntry(ctx);
      const named = (planned.runtimePackages ?? []).length > 0;
      if (compilers.length > 0 && (!entry || entry.jar !== null || !named))
        return leave(
          "artifact-unknown",
          `the program was compiled by ${compilers.join(", ")} from the OS's packages and is not run with a class path naming its library jars: which of the toolchain's jars it needs at run time (a jar's manifest Class-Path may name them) is unknown`,
        );
      planned.runtimeClass = "os-java";
      delete planned.imageVars;
      const libraries = planned.runtimePackages ?? [];
      planned.runtimePackages = [...new Set([...jre.packages, ...libraries])];
      planned.runtimeWhy = `compiled Java needs only the Java runtime of the JDK packages it was built with: ${jre.jdks.join(", ")} → ${jre.packages.join(", ")} on the builder's own release${libraries.length ? `, and the packages of the jars on its class path (${libraries.join(", ")})` : ""}`;
    }
    return planned;
  },
};
export default java;

function planJava(ctx: TransformContext): TransformPlan | LeaveAlone {
  const entry = javaEntry(ctx);
  const all = builds(ctx);
  if (!entry) {
    const war = planWar(ctx, all);
    if (war) return war;
    if (!launcherEntry(ctx, all))
      return leave("artifact-unknown", "the image runs neither the JVM nor a built launcher");
  }
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
  const ant = antProblem(ctx);
  if (all.length === 0)
    return ant
      ? leave("artifact-unknown", ant)
      : leave(
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
        `the image runs ${entry.jar}, which no Maven/Gradle step is seen to write${ant ? `; ${ant}` : ""}`,
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
          `the image runs ${jar}, which no Maven/Gradle step is seen to write${ant ? `; ${ant}` : ""}`,
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

// --- Ant: what `ant [targets]` writes, read from build.xml in the build context ---------------

/** The build context path a builder path came from, through the COPY/ADD lines before `before`. */
function contextPathOf(ctx: TransformContext, path: string, before: number): string | null {
  const copies = contextCopies(ctx).filter((c) => c.index < before);
  const context = ctx.buildContext && !("unknown" in ctx.buildContext) ? ctx.buildContext : null;
  for (let i = copies.length - 1; i >= 0; i--) {
    const c = copies[i]!;
    const into = c.dest.endsWith("/") || c.sources.length > 1;
    const dest = c.dest.replace(/\/$/, "") || "/";
    for (const source of c.sources) {
      if (GLOB.test(source) || /^[a-z]+:\/\//.test(source) || source.includes("$")) continue;
      const src = normalise(source);
      const folder = context ? context.hasFolder(src) : /^\.?\/?$/.test(source);
      if (folder) {
        if (covers(dest, path)) return normalise(posix.join(src, posix.relative(dest, path)));
      } else {
        const target = into ? posix.join(dest, posix.basename(src)) : dest;
        if (target === path) return src;
      }
    }
  }
  return null;
}

const ANT_VALUE_OPTIONS = new Set([
  "-f",
  "-file",
  "-buildfile",
  "-logfile",
  "-l",
  "-lib",
  "-propertyfile",
  "-inputhandler",
  "-listener",
  "-logger",
  "-main",
  "-nice",
]);

/** Attributes of an XML start tag's text (`name="x" depends='a,b'`). */
function attrs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
    out[m[1]!] = (m[2] ?? m[3] ?? "").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  return out;
}

/**
 * The jars and wars an `ant` run writes: its targets (or the project's default) and the targets
 * they depend on or call, each `<jar destfile>`/`<war destfile>` with the build file's own
 * properties expanded. Why not, when the build file is not in the context or says more than this
 * reads (imported files, properties from files or the environment it uses).
 */
function antOutputs(
  ctx: TransformContext,
  ins: InstructionNode,
  cmd: ShellCommand,
): { path: string; kind: "jar" | "war" }[] | { unknown: string } {
  const file = option(cmd.args, ["-f", "-file", "-buildfile"]) ?? "build.xml";
  const buildFile = resolvePath(cmd.cwd, file);
  const context = ctx.buildContext;
  if (!context)
    return { unknown: `the build context is not known, so ${buildFile} cannot be read` };
  if ("unknown" in context)
    return {
      unknown: `the build context is not known (${context.unknown}), so ${buildFile} cannot be read`,
    };
  const from = contextPathOf(ctx, buildFile, ins.index);
  if (from === null)
    return { unknown: `${buildFile} is not copied from the build context by a line before it` };
  if (!context.hasFile(from))
    return { unknown: `${buildFile} comes from ${from}, which is not in the build context` };
  const text = context.read(from);
  if (text === undefined)
    return { unknown: `${from} in the build context could not be read (too large or too deep)` };
  const xml = text.replace(/<!--[\s\S]*?-->/g, "");
  if (/<(import|include)\b/.test(xml))
    return { unknown: `${from} imports other build files, which are not read` };
  const project = attrs(/<project\b([^>]*)>/.exec(xml)?.[1] ?? "");
  const basedir = resolvePath(posix.dirname(buildFile), project["basedir"] ?? ".");
  // Ant properties are immutable: the first definition wins (-D on the command line first).
  const props = new Map<string, string>([["basedir", basedir]]);
  if (project["name"]) props.set("ant.project.name", project["name"]);
  for (const a of cmd.args) {
    const m = /^-D([^=]+)=(.*)$/.exec(a);
    if (m && !props.has(m[1]!)) props.set(m[1]!, m[2]!);
  }
  const external: string[] = [];
  for (const m of xml.matchAll(/<property\b([^>]*?)\/?>/g)) {
    const a = attrs(m[1]!);
    if (a["name"] && (a["value"] !== undefined || a["location"] !== undefined)) {
      if (props.has(a["name"])) continue;
      const raw = a["value"] ?? a["location"]!;
      props.set(a["name"], a["location"] !== undefined ? "\u0000" + raw : raw);
    } else external.push(a["file"] ?? a["environment"] ?? a["resource"] ?? "?");
  }
  const expandValue = (value: string, depth = 0): string | null => {
    if (depth > 10) return null;
    let unknown = false;
    const out = value.replace(/\$\{([^}]+)\}/g, (_w, name: string) => {
      const v = props.get(name);
      if (v === undefined) {
        unknown = true;
        return "";
      }
      const e = expandValue(v.replace(/^\u0000/, ""), depth + 1);
      if (e === null) unknown = true;
      // A location property is a path from the base folder.
      return v.startsWith("\u0000") && e !== null ? resolvePath(basedir, e) : (e ?? "");
    });
    return unknown ? null : out;
  };
  const targets = new Map<string, { depends: string[]; body: string }>();
  for (const m of xml.matchAll(/<target\b([^>]*?)(\/>|>([\s\S]*?)<\/target>)/g)) {
    const a = attrs(m[1]!);
    if (!a["name"]) continue;
    targets.set(a["name"], {
      depends: (a["depends"] ?? "")
        .split(",")
        .map((d) => d.trim())
        .filter(Boolean),
      body: m[3] ?? "",
    });
  }
  const asked: string[] = [];
  for (let i = 0; i < cmd.args.length; i++) {
    const a = cmd.args[i]!;
    if (ANT_VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith("-")) asked.push(a);
  }
  if (asked.length === 0 && project["default"]) asked.push(project["default"]);
  if (asked.length === 0)
    return { unknown: `${from} names no default target and \`${cmd.text}\` none` };
  const run = new Set<string>();
  const visit = (name: string): string | null => {
    if (run.has(name)) return null;
    const t = targets.get(name);
    if (!t) return `${from} has no target ${name}`;
    run.add(name);
    for (const d of t.depends) {
      const why = visit(d);
      if (why) return why;
    }
    for (const c of t.body.matchAll(/<antcall\b([^>]*)>/g)) {
      const why = visit(attrs(c[1]!)["target"] ?? "");
      if (why) return why;
    }
    return null;
  };
  for (const t of asked) {
    const why = visit(t);
    if (why) return { unknown: why };
  }
  const outputs: { path: string; kind: "jar" | "war" }[] = [];
  for (const name of run) {
    for (const m of targets.get(name)!.body.matchAll(/<(jar|war)\b([^>]*)>/g)) {
      const a = attrs(m[2]!);
      const dest = a["destfile"] ?? a[m[1] === "war" ? "warfile" : "jarfile"];
      if (!dest) return { unknown: `a <${m[1]}> task of target ${name} names no destfile` };
      const value = expandValue(dest);
      if (value === null)
        return {
          unknown: `the <${m[1]}> destfile ${dest} of target ${name} uses a property ${from} does not define${external.length ? ` (it reads properties from ${external.join(", ")})` : ""}`,
        };
      outputs.push({ path: resolvePath(basedir, value), kind: m[1] as "jar" | "war" });
    }
  }
  if (outputs.length === 0)
    return { unknown: `the targets ${[...run].join(", ")} of ${from} write no jar or war` };
  return outputs;
}

/** Why the `ant` runs' outputs are not known (the first), or null. */
function antProblem(ctx: TransformContext): string | null {
  for (const { ins, cmd } of allCommands(ctx)) {
    if (base(cmd.name) !== "ant") continue;
    const found = antOutputs(ctx, ins, cmd);
    if ("unknown" in found) return `what \`${cmd.text}\` writes is not known: ${found.unknown}`;
  }
  return null;
}

// --- Wars deployed into a servlet container ---------------------------------------------------

type Container = (typeof images.servletContainers)[number];

/** The servlet container of the image: the official image it is FROM, or an OS package it installs. */
function containerOf(ctx: TransformContext): { c: Container; line?: number } | null {
  const repo = normaliseRepo(ctx.facts.base?.name ?? "");
  for (const c of images.servletContainers)
    if (c.image && new RegExp(c.image).test(repo)) return { c };
  for (const l of ctx.facts.lines)
    for (const p of l.packages)
      for (const c of images.servletContainers)
        if (c.package && p.manager === "apt" && p.names.includes(c.package))
          return { c, line: l.line };
  return null;
}

interface Deployment {
  /** The war in the builder, as the build wrote it. */
  source: string;
  /** Where it was deployed (a file in the container's webapps folder). */
  to: string;
  /** The build that writes it; undefined: a war no build step is seen to write. */
  by: Build | undefined;
  index: number;
  line: number;
  /** Offset of the command in the file (it, not its whole RUN, is the deployment). */
  offset: number;
  text: string;
}

/** `cp|mv <war> <webapps>/<name>.war` (or into the webapps folder): each deployment of a war. */
function deployments(ctx: TransformContext, c: Container, all: Build[]): Deployment[] {
  const out: Deployment[] = [];
  for (const { ins, cmd } of allCommands(ctx)) {
    if (!["cp", "mv", "install"].includes(base(cmd.name))) continue;
    const words = cmd.args.filter((a) => !a.startsWith("-"));
    if (words.length !== 2) continue;
    const env = { ...c.env, ...envAt(ctx, ins.index) };
    const [src, dst] = words.map((w) => resolvePath(cmd.cwd, expand(w, env))) as [string, string];
    const to =
      covers(c.webapps, dst) && dst.endsWith(".war")
        ? dst
        : dst.replace(/\/$/, "") === c.webapps
          ? posix.join(c.webapps, posix.basename(src))
          : null;
    if (!to || !src.endsWith(".war")) continue;
    const by = GLOB.test(src) ? undefined : builtBy(src, all, "war");
    out.push({
      source: src,
      to,
      by,
      index: ins.index,
      line: ins.line,
      offset: cmd.offset,
      text: cmd.text,
    });
  }
  return out;
}

/** The runtime image of an official container image: its JRE variant of the same version, Java and OS. */
function containerRuntime(
  ctx: TransformContext,
  c: Container,
): { image: string; why: string; pin?: { from: string; to: string; why: string } } | LeaveAlone {
  const b = ctx.facts.base!;
  const repo = normaliseRepo(b.name);
  if (b.digest || b.fromArg)
    return leave(
      "unsupported",
      `${b.ref} is named by ${b.digest ? "a digest" : "a build argument"}: which ${c.name} and Java it is cannot be told`,
    );
  const known = javaOfTag(repo, b.tag);
  if (!known)
    return leave(
      "unsupported",
      `the Java of ${repo}:${b.tag} is not known (not a tag data/java-tags.json has, or one that floats between Java versions with no sibling naming it): the JRE variant to run the war on cannot be chosen`,
    );
  const tag = known.pin ?? b.tag;
  const pin = known.pin
    ? {
        from: `${b.name}:${b.tag}`,
        to: `${b.name}:${known.pin}`,
        why: `${b.name}:${b.tag} floats between Java versions (JDK ${known.java} today, data/java-tags.json); ${known.pin} names it, so the builder's JDK and the runtime's JRE stay one Java`,
      }
    : undefined;
  if (known.kind === "jre")
    return {
      image: `${b.name}:${tag}`,
      why: `${b.name}:${tag} is already the JRE variant (Java ${known.java}): the same image without the build's tools`,
      ...(pin ? { pin } : {}),
    };
  const jre = tag.replace(new RegExp(`(^|-)jdk-?${known.java}(?=$|-)`), `$1jre${known.java}`);
  const runs = javaOfTag(repo, jre);
  const os = tagRelease(repo, tag);
  const runOs = tagRelease(repo, jre);
  if (jre === tag || !runs || runs.kind !== "jre" || runs.java !== known.java)
    return leave(
      "unsupported",
      `no JRE variant of ${b.name}:${tag} is published (${b.name}:${jre} is not a Java ${known.java} JRE tag in data/java-tags.json)`,
    );
  // A war needs no C library; the OS matters for what the runtime stage installs, so a JRE tag
  // known to be on another OS release is not taken.
  if (os && runOs && os.os.key !== runOs.os.key)
    return leave(
      "release-mismatch",
      `${b.name}:${jre} is built on ${runOs.os.key}, ${b.name}:${tag} on ${os.os.key} (data/releases)`,
    );
  return {
    image: `${b.name}:${jre}`,
    why: `the JRE variant of ${b.name}:${tag}: the same ${c.name.replace(/ \(.*/, "")} and Java ${known.java}${os ? ` on ${os.os.codename ?? os.os.key}` : ""}`,
    ...(pin ? { pin } : {}),
  };
}

/** A .war deployed into a servlet container: the container's runtime image with only the war. */
/**
 * A built war copied into a `webapps` folder of a servlet container msb-migrate does not know (one
 * unpacked from an archive the build downloads, say): the line that does it.
 */
function unknownContainerDeploy(
  ctx: TransformContext,
  all: Build[],
): { line: number; dest: string } | null {
  for (const { ins, cmd } of allCommands(ctx)) {
    if (!["cp", "mv", "install"].includes(base(cmd.name))) continue;
    const words = cmd.args.filter((a) => !a.startsWith("-"));
    if (words.length !== 2 || !words[0]!.endsWith(".war") || !/(^|\/)webapps(\/|$)/.test(words[1]!))
      continue;
    if (builtBy(resolvePath(cmd.cwd, words[0]!), all, "war"))
      return { line: ins.line, dest: words[1]! };
  }
  return null;
}

function planWar(ctx: TransformContext, all: Build[]): TransformPlan | LeaveAlone | null {
  const found = containerOf(ctx);
  if (!found) {
    const stray = unknownContainerDeploy(ctx, all);
    return stray
      ? leave(
          "unsupported",
          `line ${stray.line} deploys a war into ${stray.dest}, a servlet container msb-migrate does not know (data/images.yaml servletContainers: the tomcat and jetty images, Debian's tomcat packages); what the runtime stage needs of it is unknown`,
          stray.line,
        )
      : null;
  }
  const { c } = found;
  const found2 = deployments(ctx, c, all);
  if (found2.length === 0) {
    const problem = antProblem(ctx);
    return leave(
      "artifact-unknown",
      problem ?? `no war a build writes is seen deployed into ${c.name} (copied into ${c.webapps})`,
    );
  }
  const unknown = found2.find((d) => !d.by);
  if (unknown) {
    const problem = antProblem(ctx);
    return leave(
      "artifact-unknown",
      GLOB.test(unknown.source)
        ? `line ${unknown.line} deploys ${unknown.source}, a pattern: which war it names is known only when the build has run`
        : `line ${unknown.line} deploys ${unknown.source}, which no build step is seen to write${problem ? `; ${problem}` : ""}`,
      unknown.line,
    );
  }
  const deployed = found2 as (Deployment & { by: Build })[];
  // The image must start the container as its image does.
  const e = entryProgram(ctx);
  const declared = ctx.facts.entrypoint ?? ctx.facts.cmd;
  if (
    c.image
      ? declared && !(e && c.start.includes(base(e.program)))
      : !(e && c.start.includes(base(e.program)) && c.paths.some((p) => covers(p, e.program)))
  )
    return leave(
      "artifact-unknown",
      `the image runs \`${declared?.words.join(" ") ?? "nothing"}\`, not ${c.name}'s own start (${c.start.join(", ") || "the image's command"}): what it needs besides the war is unknown`,
    );
  const lastBuild = lastBuildIndex(ctx);
  const first = Math.min(...deployed.map((d) => d.index));
  const deploys = new Set(deployed.map((d) => d.offset));
  const inContainer = (p: string) => c.paths.some((root) => covers(root, p));
  // Anything else the build does to the container stays in the builder: leave. A command after the
  // deployment that works in the deployed applications (an exploded war edited) too.
  for (const ins of ctx.doc.instructions) {
    if (ins.index <= lastBuild && (ins.keyword === "COPY" || ins.keyword === "ADD")) {
      const copy = contextCopies(ctx).find((x) => x.index === ins.index);
      if (copy && inContainer(copy.dest.replace(/\/$/, "") || "/"))
        return leave(
          "unsupported",
          `line ${ins.line} copies ${copy.sources.join(" ")} into ${c.name} (${copy.dest}) before the build; only the war reaches the runtime stage's container`,
          ins.line,
        );
    }
    if (ins.keyword !== "RUN") continue;
    const env = { ...c.env, ...envAt(ctx, ins.index) };
    for (const cmd of ins.commands) {
      if (deploys.has(cmd.offset) || /^apt(-get)?$/.test(cmd.name)) continue;
      const paths = [
        cmd.cwd,
        ...cmd.args.map((a) => resolvePath(cmd.cwd, expand(a.replace(/^-[-\w]*=/, ""), env))),
      ].filter((p) => p.startsWith("/") && p !== "/");
      const changed = ins.index <= lastBuild ? paths.find(inContainer) : undefined;
      if (changed)
        return leave(
          "unsupported",
          `line ${ins.line} (${cmd.text.slice(0, 60)}) works in ${c.name} (${changed}) in the build; the runtime stage's container would not have that change`,
          ins.line,
        );
      const edited = ins.index >= first ? paths.find((p) => covers(c.webapps, p)) : undefined;
      if (edited)
        return leave(
          "unsupported",
          `line ${ins.line} (${cmd.text.slice(0, 60)}) works in the deployed applications (${edited}) after the war is deployed: what the runtime stage needs of it is unknown`,
          ins.line,
        );
    }
  }
  const artifacts: ArtifactCopy[] = deployed.map((d) => ({
    from: d.to,
    to: d.to,
    why: `the war ${d.by.text} builds, deployed by line ${d.line}`,
    rule: `${d.by.tool}-war`,
    line: d.line,
  }));
  const evidence: Evidence[] = deployed.map((d) => ({
    rule: `${d.by.tool}-war`,
    match: d.text,
    why: `deploys ${d.source} into ${c.name} (${c.webapps})`,
  }));
  const notes = [
    `only the deployed war reaches the runtime stage's ${c.name}: files the application reads outside it must be copied too`,
  ];
  if (c.image) {
    const runtime = containerRuntime(ctx, c);
    if ("leave" in runtime) return runtime;
    return {
      runtimeClass: "servlet",
      runtimeWhy: `a war needs only its servlet container and a Java runtime: ${runtime.why}`,
      imageVars: { container: runtime.image },
      artifacts,
      evidence,
      notes,
      ...(runtime.pin ? { builderImage: runtime.pin } : {}),
    };
  }
  // An OS package: the same release with the container's package again, and the JRE of each JDK
  // the build installed (so the container finds the Java the original had).
  const jre = osJrePackages(ctx);
  if ("leave" in jre) return jre;
  return {
    runtimeClass: "os-java",
    runtimeWhy: `a war needs only its servlet container (${c.package}, installed again) and the Java runtime of the builder's JDK packages (${jre.packages.join(", ") || "none"})`,
    artifacts,
    runtimePackages: jre.packages,
    evidence,
    notes,
  };
}

/** The JRE packages of the JDK packages the build installs from the OS (apt). */
function osJrePackages(ctx: TransformContext): { packages: string[]; jdks: string[] } | LeaveAlone {
  const table = packages.jrePackages["apt"] ?? {};
  const jdks: string[] = [];
  for (const l of ctx.facts.lines)
    for (const p of l.packages)
      for (const n of p.names)
        if (/(^|-)jdk(-|$)/.test(n) || (p.manager === "apt" && table[n])) {
          if (p.manager !== "apt" || !table[n])
            return leave(
              "unsupported",
              `line ${l.line} installs ${n}, whose JRE package is not known (data/packages.yaml jrePackages)`,
              l.line,
            );
          jdks.push(n);
        }
  return { packages: [...new Set(jdks.map((j) => table[j]!))], jdks };
}
