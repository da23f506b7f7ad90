// Validates the knowledge that is data (data/*.yaml). Loaded only when the data is read from
// YAML (development, tests); a build ships it pre-validated as JSON (see writeCompiled).
import { readFileSync, writeFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

function load<T>(dataDir: string, file: string, schema: z.ZodType<T>): T {
  const raw: unknown = parseYaml(readFileSync(dataDir + file, "utf8"));
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`data/${file} is invalid: ${result.error.message}`);
  return result.data;
}

const strList = z.array(z.string());
const oneOrMany = z.union([z.string(), strList]);

const familySchema = z.object({
  family: z.string(),
  match: z.string(),
  kind: z.enum(["toolchain", "os", "runtime", "server", "distroless"]),
  ecosystem: z.string().optional(),
  distro: z.enum(["debian", "ubuntu", "alpine", "rhel", "windows", "none", "unknown"]),
  libc: z.enum(["glibc", "musl", "none", "unknown"]),
  shell: z.boolean(),
  workdir: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  path: strList.default([]),
  users: strList.default([]),
  cmd: strList.optional(),
  programs: strList.default([]),
  /** JVM images whose tag names the Java version in its own scheme: a regex, group 1 the major. */
  javaTag: z.string().optional(),
});
export type FamilyData = z.infer<typeof familySchema>;

const imagesSchema = z.object({
  standardPath: strList,
  families: z.array(familySchema),
  distroUsers: z.record(z.string(), strList),
  shellPrograms: strList,
  alpinePrograms: strList,
  runtimeImages: z.record(z.string(), z.record(z.string(), z.string())),
  /**
   * Per runtime class, the interpreters its images have: a step after the build that runs only
   * these (and shell programs) runs in the runtime stage as it did in the builder.
   */
  runtimeInterpreters: z.record(z.string(), strList).default({}),
  /** Debian major versions distroless images are published for; the first is the default. */
  distrolessDebian: strList.min(1),
  /** --resolve: per package database, the packages whose libraries distroless cc and slim images hold. */
  ccLibraryPackages: z.record(z.string(), strList).default({}),
  /** Runtime images their publisher builds on the builder's OS by its tag scheme. */
  sameReleasePairs: z
    .array(z.object({ builder: z.string(), runtime: z.string(), why: z.string() }))
    .default([]),
  /**
   * Servlet containers a .war is deployed into: an official image (its repository) or an OS
   * package, the folder it deploys from, where it lives, and the commands that start it.
   */
  servletContainers: z
    .array(
      z.object({
        name: z.string(),
        image: z.string().optional(),
        package: z.string().optional(),
        paths: strList,
        env: z.record(z.string(), z.string()).default({}),
        webapps: z.string(),
        start: z.array(z.string()),
      }),
    )
    .default([]),
});

const counterpart = z.union([z.string(), z.record(z.string(), z.string())]);
const packagesSchema = z.object({
  managers: z.record(
    z.string(),
    z.object({ install: strList, remove: strList, family: z.string() }),
  ),
  buildOnly: z.record(z.string(), strList),
  downloadTools: strList,
  headersOnly: strList,
  devSuffix: z.record(z.string(), z.string()),
  runtimeCounterparts: z.record(z.string(), z.record(z.string(), counterpart)),
  builderOnlyEnv: strList,
  /**
   * Packages a runtime class needs per package manager; a `-dev` name stands for its runtime
   * counterpart (runtimeCounterparts) on the builder's release.
   */
  runtimeSets: z.record(z.string(), z.record(z.string(), strList)).default({}),
  /** Programs packages install under another name than their own: program → package patterns. */
  programPackages: z.record(z.string(), strList).default({}),
  /**
   * Node from the OS's packages, per package manager: build-only when it builds a front-end that
   * a web server serves (transforms/static-site.ts).
   */
  frontendToolchain: z.record(z.string(), strList).default({}),
  /** The JRE package of each JDK package, per manager: a runtime stage on the builder's OS. */
  jrePackages: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  /** Jars under /usr/share/java a class path names, per manager: the package shipping each. */
  osJars: z
    .record(
      z.string(),
      z.array(z.object({ jar: z.string(), package: z.string(), installedBy: strList })),
    )
    .default({}),
  /** Folders to create before installing packages whose install scripts need them (per manager). */
  installFolders: z.record(z.string(), z.record(z.string(), strList)).default({}),
});

const ruleSchema = z.object({
  id: z.string(),
  program: oneOrMany,
  sub: strList.optional(),
  role: z.enum(["build", "dependency", "artifact", "toolchain"]),
  ecosystem: z.string().optional(),
  score: z.number(),
  atRuntime: z.boolean().optional(),
  /**
   * Where a compiler writes the program (transforms/native.ts): `flags` name it (`-o X`, `-o:X`,
   * `--out:X`, `-of=X`); else `default`: `cwd-stem` (the main source's name without `ext`, in the
   * folder the command runs in), `source-stem` (beside the source), or `dir` (a folder, `dir`).
   */
  output: z
    .object({
      flags: strList.default([]),
      default: z.enum(["cwd-stem", "source-stem", "dir", "target"]),
      ext: z.string().optional(),
      dir: z.string().optional(),
      /**
       * `dir` holds one program per target (shards build → bin/): the words after the
       * subcommand name targets (bin/<target>); without any, the whole folder is the output.
       */
      targets: z.boolean().optional(),
      /** Flags without which the command writes no usable output (cabal install's copy method). */
      requires: strList.optional(),
      /** No positional word after the subcommand (`dub build`, not `dub build otherpkg`). */
      bare: z.boolean().optional(),
      /** Options whose value is the next word (`-b release`): not positional words. */
      valueFlags: strList.optional(),
    })
    .optional(),
});
export type CommandRule = z.infer<typeof ruleSchema>;
const matcherSchema = z.object({ program: oneOrMany, sub: strList.optional() });
const commandsSchema = z.object({
  rules: z.array(ruleSchema),
  /** `why`: what a conversion would have to change, when more can be said than "needs it". */
  toolchainAtRuntime: z.array(matcherSchema.extend({ why: z.string().optional() })),
  /** Programs a distribution's runtime image has with no install (entry scripts may run them). */
  baseTools: z.record(z.string(), strList).default({}),
  staticServers: z.array(
    matcherSchema.extend({
      defaultDir: z.string(),
      spaFlag: z.string().optional(),
      fixedDir: z.boolean().optional(),
    }),
  ),
  /**
   * Web servers that serve a built front-end (transforms/static-site.ts): the programs that start
   * them, the OS packages that install them, the images that ship them, their configuration folder.
   */
  webServers: z
    .array(
      matcherSchema.extend({
        packages: strList.default([]),
        images: strList.default([]),
        config: z.string(),
      }),
    )
    .default([]),
  /**
   * Web servers' own configuration tools (a2enmod, lighty-enable-mod): they change only the
   * server's configuration folder, so a RUN of only these can run again in a runtime stage.
   */
  serverConfigCommands: strList.default([]),
});
export type StaticServer = z.infer<typeof commandsSchema>["staticServers"][number];
export type WebServer = z.infer<typeof commandsSchema>["webServers"][number];

const manifestCommand = matcherSchema.extend({
  /** false: no non-flag word may follow the matched ones; true: any may. */
  operands: z.boolean().default(false),
  /** `args`: the manifests are the files the command names (pip -r), not fixed names. */
  from: z.literal("args").optional(),
});
const manifestEcosystem = z.object({
  id: z.string(),
  commands: z.array(manifestCommand).min(1),
  values: strList.default([]),
  required: strList,
  optional: strList.default([]),
  check: z.string(),
  outputs: strList.default([]),
  notKnown: strList.default([]),
  addFlags: strList.default([]),
  after: z
    .object({ command: z.string(), options: z.record(z.string(), z.string()).default({}) })
    .optional(),
  add: z
    .object({
      command: z.string(),
      keep: strList.default([]),
      /** Options of the build the added command leaves out (Cargo, Gradle): all others keep the order. */
      ignore: strList.default([]),
      /** Empty sources the dependency-only build compiles (Cargo): path → text, when in the context. */
      placeholders: z.record(z.string(), z.string()).default({}),
    })
    .optional(),
  unlessBefore: strList.default([]),
  cache: strList.default([]),
});
export type ManifestEcosystem = z.infer<typeof manifestEcosystem>;
const manifestsSchema = z.object({
  ecosystems: z.array(manifestEcosystem),
  harmless: z.array(matcherSchema),
  read: z.object({
    names: strList,
    suffixes: strList,
    maxBytes: z.number(),
    scripts: z
      .object({ suffixes: strList, maxBytes: z.number(), max: z.number() })
      .default({ suffixes: [], maxBytes: 0, max: 0 }),
  }),
});

export type DataFiles = {
  manifests: z.infer<typeof manifestsSchema>;
  images: z.infer<typeof imagesSchema>;
  packages: z.infer<typeof packagesSchema>;
  commands: z.infer<typeof commandsSchema>;
};

export function loadDataFromYaml(dataDir: string): DataFiles {
  return {
    images: load(dataDir, "images.yaml", imagesSchema),
    packages: load(dataDir, "packages.yaml", packagesSchema),
    commands: load(dataDir, "commands.yaml", commandsSchema),
    manifests: load(dataDir, "manifests.yaml", manifestsSchema),
  };
}

/** Build step: validate the YAML once and write it as JSON for fast start-up. */
export function writeCompiled(dataDir: string, out: string): void {
  writeFileSync(out, JSON.stringify(loadDataFromYaml(dataDir)));
}
