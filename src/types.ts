// The data model shared by every step: parse → facts → plan → check → render.
// Steps are pure functions of the one before; transforms add facts and plans, never edit text.
import type { OsRelease } from "./releases.js";

/** What an instruction does for the build, judged from its words. */
export type Role =
  | "base" // FROM
  | "toolchain" // installs compilers, SDKs, -dev packages, build tools
  | "dependency" // fetches the project's dependencies (npm ci, go mod download…)
  | "build" // compiles or bundles (go build, cargo build, make, npm run build…)
  | "artifact" // places a built output (cp/mv/install of outputs, make install)
  | "runtime-setup" // users, directories, runtime packages the program needs
  | "context-copy" // COPY/ADD from the build context
  | "metadata" // ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME, HEALTHCHECK, STOPSIGNAL, SHELL, ENTRYPOINT, CMD, ARG
  | "cleanup" // removes caches or the toolchain again (apt-get purge, rm -rf /var/lib/apt/lists…)
  | "other";

/** One piece of evidence: which rule matched which words. Rule ids are stable and documented. */
export interface Evidence {
  rule: string;
  /** The words that matched, as written in the file. */
  match: string;
  /** A short sentence for people. */
  why: string;
}

/** A shell command found inside a RUN, after Docker's line joining. */
export interface ShellCommand {
  /** Program name as written (`apt-get`, `go`, `./configure`). */
  name: string;
  /** Arguments with quotes removed where the parser could (unexpanded `$VAR` stays literal). */
  args: string[];
  /** `NAME=value` prefixes of this command. */
  assignments: Record<string, string>;
  /** Directory this command runs in after `cd` earlier in the same RUN, absolute when known. */
  cwd: string;
  /** Offset of the command in the whole file (UTF-16 code units). */
  offset: number;
  text: string;
  /** A command of a script the RUN runs (its context path), read from the build context: it
   *  counts as run by the RUN, but has no place of its own in the Dockerfile (offset: the call). */
  script?: string;
}

/** An instruction as the editor and the analysers see it. */
export interface InstructionNode {
  index: number;
  /** Upper-case keyword (`RUN`, `COPY`…), whatever case the file used. */
  keyword: string;
  /** 1-based first and last line of the instruction (heredoc bodies included). */
  line: number;
  endLine: number;
  /** Offsets of the instruction text in the file: [start, end) without the line ending. */
  start: number;
  end: number;
  /** The instruction exactly as written. */
  raw: string;
  /** Arguments after Docker's line joining and comment removal. */
  args: string;
  /** Exec form (`["a","b"]`) parsed with JSON.parse; null for shell form. */
  exec: string[] | null;
  /** Flags such as --from=builder, lower-cased names. */
  flags: Record<string, string>;
  /** For RUN: the shell commands in order; empty when not parsed. */
  commands: ShellCommand[];
  /** For RUN: true when the shell text could not be parsed cleanly. */
  shellErrors: string[];
  /** For ENV, LABEL and ARG: the name/value pairs, values unquoted. */
  properties: [string, string][];
  /** For ONBUILD: the trigger keyword. */
  onbuild?: string;
  /** Stage index this instruction belongs to (-1 before the first FROM). */
  stage: number;
}

export interface BaseImage {
  /** As written, e.g. `golang:1.19-bookworm`, with ARGs substituted where known. */
  ref: string;
  /** Repository without tag/digest, e.g. `golang`, `gcr.io/distroless/static-debian12`. */
  name: string;
  tag: string;
  digest?: string;
  /** Stage name after AS, when there is one. */
  alias?: string;
  /** The reference is built from ARGs (`golang:${GO_VERSION}`): a build may pull another image. */
  fromArg?: boolean;
  /** The reference as written, before ARG substitution (only when it differs). */
  written?: string;
}

export interface Document {
  text: string;
  /** "\r\n" or "\n": the dominant line ending of the file. */
  eol: string;
  bom: boolean;
  finalNewline: boolean;
  escape: string;
  instructions: InstructionNode[];
  /** Number of FROM instructions. */
  stageCount: number;
  /** ARGs before the first FROM with their defaults. */
  globalArgs: Record<string, string | undefined>;
}

/** What the analysis found on one instruction. */
export interface LineFact {
  index: number;
  line: number;
  keyword: string;
  role: Role;
  evidence: Evidence[];
  /** Packages installed by this instruction, by manager. */
  packages: { manager: string; names: string[] }[];
  /** Absolute paths this instruction writes that look like build outputs. */
  produces: string[];
  /** WORKDIR in effect for this instruction. */
  workdir: string;
}

/** What the analysis found on the whole file. */
export interface Facts {
  base: BaseImage | null;
  /** Image family data for the base (from data/images.yaml), when known. */
  baseInfo: ImageInfo | null;
  lines: LineFact[];
  /** ENV of the final image as declared in the file, in order (name → raw value). */
  env: [string, string][];
  /** The final command: ENTRYPOINT and CMD as declared (null when inherited). */
  entrypoint: CommandSpec | null;
  cmd: CommandSpec | null;
  /** WORKDIR at the end of the file (absolute), "/" when never set. */
  finalWorkdir: string;
  /** Build-only packages installed anywhere, and their runtime counterparts. */
  toolchainPackages: string[];
  /** Package manager family seen (apt, apk, yum…). */
  packageManager: string | null;
}

export interface CommandSpec {
  form: "exec" | "shell";
  /** Words of the command (exec form: the JSON array; shell form: the shell words). */
  words: string[];
  raw: string;
  index: number;
}

/** Knowledge about a base image family, from data/images.yaml. */
export interface ImageInfo {
  family: string;
  /** toolchain images are build-only; runtime images are what we may run on. */
  kind: "toolchain" | "os" | "runtime" | "server" | "distroless";
  distro: "debian" | "ubuntu" | "alpine" | "rhel" | "windows" | "none" | "unknown";
  /** Debian/Ubuntu codename, Alpine version… when the tag or data/releases tells. */
  release?: string;
  /** The OS release the image is built on, and how that is known. */
  os?: OsRelease;
  releaseFrom?: "tag" | "table" | "name" | "observed";
  /** Why the release is not known (digest, ARG, a tag not in data/releases). */
  releaseUnknown?: string;
  /** A tag naming the release for the same image today (`1.93` → `1.93-trixie`). */
  pin?: string;
  libc: "glibc" | "musl" | "none" | "unknown";
  shell: boolean;
  /** Environment the image sets that a program may rely on (GOPATH, CARGO_HOME…). */
  env: Record<string, string>;
  /** Users the image defines besides root. */
  users: string[];
  /** Directories on PATH. */
  path: string[];
  /** Default CMD of the image when the file declares none. */
  cmd?: string[];
}

/** One file to copy from the builder into the runtime stage. */
export interface ArtifactCopy {
  /** Absolute path in the builder. */
  from: string;
  /** Absolute path in the runtime stage. */
  to: string;
  why: string;
  rule: string;
  /** Line of the original file whose step produced or placed it. */
  line: number;
  /** Optional --chown value to keep ownership when USER is not root. */
  chown?: string;
}

/** What a transform decided for the runtime stage. */
export interface RuntimePlan {
  ecosystem: string;
  /** Runtime base image reference and why it was chosen. */
  image: string;
  /** What the artifact needs of the runtime (data/images.yaml runtimeImages key): static, glibc… */
  runtimeClass: string;
  imageWhy: string;
  imageInfo: ImageInfo | null;
  artifacts: ArtifactCopy[];
  /** Extra packages the runtime stage installs (runtime libraries for -dev packages). */
  runtimePackages: string[];
  /** Instruction indexes carried into the runtime stage, in order. */
  carried: number[];
  /** Instruction indexes that stay only in the builder (moved out of the final image). */
  builderOnly: number[];
  /** ENV names dropped from the final image because they only matter to the build. */
  droppedEnv: string[];
  /** Lines appended to the builder after its last step, each with the reason. */
  builderSteps?: { line: string; why: string }[];
  /** Lines of text added to the runtime stage before the carried instructions (package installs). */
  extraSteps: string[];
  /**
   * Package repositories a builder-only step set up (key and source files) that a carried step
   * installs from: the files are copied into the runtime stage before that step (`before`: its
   * index, or -1 for the package install the plan adds) (src/apt-repository.ts).
   */
  repositoryFiles?: { step: number; before: number; files: string[] }[];
  /** Instructions of the tail rewritten in place, as declared changes say. */
  rewrites?: { index: number; text: string }[];
  /** Lines added to the runtime stage after the copies from the builder. */
  afterCopySteps?: string[];
  /** The builder's FROM image pinned to the release it is built on today, and why. */
  builderImage?: { from: string; to: string; why: string };
  /** The C library match between builder and runtime, for the explanation. */
  release?: { builder: string; runtime: string; why: string };
  /**
   * Builder steps reordered so dependency steps are cached: manifests copied first, the dependency
   * step, then the sources (data/manifests.yaml; src/cache-order.ts). Dependency steps that kept
   * their place say why.
   */
  cacheOrder?: CacheOrder;
  /** Lines inserted into the builder before an instruction (the Python virtualenv), each explained. */
  builderInserts?: { before: number; lines: string[]; why: string }[];
  /**
   * Builder RUNs cut short: each becomes `text`, a prefix of its own text (trailing package
   * removals dropped: the builder never reaches the final image), each explained.
   */
  builderRewrites?: { index: number; text: string; why: string }[];
  /** Contract changes the plan makes on purpose, each explained (e.g. a static server replaced by nginx). */
  declaredChanges: { field: string; from: string; to: string; why: string }[];
  notes: string[];
}

/** One dependency step made cacheable. */
export interface CacheStep {
  /** Ecosystem of data/manifests.yaml (npm, go, pip…). */
  ecosystem: string;
  /** Instruction index of the COPY of the whole context (or of the folder holding the manifests). */
  copy: number;
  /** Instruction index of the RUN holding the dependency step (or the build that fetches). */
  run: number;
  /** Context paths copied first. */
  manifests: string[];
  /** The COPY line(s) that take the whole COPY's place. */
  added: string[];
  /**
   * What the RUN becomes, when it changes: the dependency part (split off a fused build, or with
   * flags added) and the rest, which follows the moved COPY. Null: the RUN stays as written.
   */
  split: { dep: string; rest: string | null } | null;
  /** Lines added before the whole COPY (a dependency-only command of a build that fetches). */
  addedRun: string | null;
  /** A line added after the moved COPY (Composer's autoloader, once the classes are there). */
  after: string | null;
  /** True: the whole COPY moves to after the RUN; false: it stays (the RUN is the build). */
  moves: boolean;
  why: string;
}

export interface CacheOrder {
  steps: CacheStep[];
  /** Dependency steps whose order was kept, and why (for the explanation). */
  /** `code`: context-unknown, manifest-missing, reads-sources, install-script, shape… */
  kept: { line: number; why: string; code: string }[];
  /** Cache mounts added (`--cache-mounts`): RUN index → mount flags. */
  mounts: { run: number; flags: string }[];
}

export type ReasonCode =
  | "already-multi-stage"
  | "nothing-built"
  | "toolchain-at-runtime"
  | "onbuild-parent"
  | "artifact-unknown"
  | "contract"
  | "unsupported"
  | "parse-error"
  | "no-ecosystem"
  | "release-unknown"
  | "release-mismatch"
  | "policy";

export interface Reason {
  code: ReasonCode | string;
  message: string;
  line?: number;
}

export interface Detection {
  ecosystem: string;
  score: number;
  evidence: Evidence[];
}

export interface ContractCheck {
  ok: boolean;
  /** Each compared field: same, dropped (builder-only) or differs, with details. */
  items: {
    field: string;
    status: "same" | "dropped" | "changed" | "differs" | "missing";
    detail: string;
  }[];
}

export type DecisionKind = "converted" | "unchanged" | "skipped";

/** A sentence a person reads in --dry-run: which line was judged what, and why. */
export interface Explanation {
  line?: number;
  role?: Role | "plan" | "contract" | "leave";
  text: string;
  rule?: string;
}

export interface ConvertOptions {
  /** File name used in the patch header (default `Dockerfile`). */
  path?: string;
  /** Override the runtime base image. */
  runtimeImage?: string;
  /** Builder stage name (default `builder`). */
  builderName?: string;
  /** Mappings and policy; merged over the defaults in data/. */
  config?: UserConfig;
  /** False: leave `patch` empty (a caller that never shows the diff saves making it). */
  patch?: boolean;
  /**
   * What `--resolve` saw in the built builder image (src/resolve/): decisions it settles are made
   * from it and marked observed. convert() stays pure: the facts are data handed in.
   */
  observed?: ObservedFacts;
  /**
   * Plan for a builder that will be inspected: a -dev package whose runtime library is not known
   * does not leave the file alone (the libraries the build links will be observed instead).
   */
  provisional?: boolean;
  /**
   * The build context, for ordering dependency steps before the sources: only manifests that are
   * in it (and not excluded by .dockerignore) are copied first. Absent (stdin, unknown context):
   * the order is kept and the explanation says so. `{ unknown }` says why it is not known.
   */
  context?: BuildContextInput | { unknown: string };
}

/** What the inspection of a built builder image found (src/resolve/inspect.ts). */
export interface ObservedFacts {
  /** What was inspected, for the explanation (`the builder stage of Dockerfile, built`). */
  source: string;
  /** /etc/os-release of the builder (ID, VERSION_ID, VERSION_CODENAME), null when it has none. */
  os: { id: string; versionId?: string; codename?: string } | null;
  /** The package database that owns files: dpkg, apk or rpm (null when none answered). */
  packageManager: "dpkg" | "apk" | "rpm" | null;
  /** The program the image's command runs, looked up as the command would (PATH, WORKDIR). */
  entry: ObservedFile | null;
  /** The program an entry script's #! line names (the interpreter that runs it). */
  interpreter?: ObservedFile;
  /** Native files under the planned artifacts (ELF programs and libraries, *.so, *.node). */
  files: ObservedFile[];
  /** The artifacts held more native files than were read: the list is not all of them. */
  truncated?: boolean;
  /**
   * Files and folders the build added next to the entry program (under its install prefix, e.g.
   * /usr/local), absent from the FROM image: what an install to an unknown prefix wrote.
   */
  installed?: { prefix: string; paths: string[] };
}

export interface ObservedFile {
  /** Absolute path in the builder (symbolic links resolved). */
  path: string;
  /** The name the command gives, when it differs (`tool` found on PATH). */
  name?: string;
  kind: "elf" | "script" | "jar" | "other" | "missing";
  /** ELF: PT_INTERP (the dynamic loader); script: the #! program. */
  interpreter?: string;
  /** ELF: neither a loader nor NEEDED libraries. */
  static?: boolean;
  libc?: "glibc" | "musl" | "none";
  /** ELF: DT_NEEDED sonames. */
  needed?: string[];
  /** ELF: highest GLIBC_x.y symbol version needed. */
  glibc?: string;
  /** ELF: every library the loader maps (ldd in the builder), with its path and owning package. */
  libraries?: { name: string; path: string | null; package: string | null }[];
  /** Absent from the FROM image: the build made it (null when that could not be checked). */
  builtHere?: boolean | null;
}

/** A build context as data (structured-clonable, so worker threads get it too). */
export interface BuildContextInput {
  /** The context's files, relative and `/`-separated; folders are implied by their files. */
  files: string[];
  /** Text of the .dockerignore that applies (`<Dockerfile>.dockerignore` first, as BuildKit). */
  dockerignore?: string;
  /** Text of context files the content checks read (package.json, go.mod, requirement files…). */
  contents?: Record<string, string>;
  /** Where the context was read from, for the explanation. */
  dir?: string;
}

export interface UserConfig {
  /** Image mapping overrides: builder image pattern → runtime image. */
  runtimeImages?: Record<string, string>;
  /** Extra -dev → runtime package mappings per manager. */
  runtimePackages?: Record<string, Record<string, string>>;
  policy?: {
    /** How to serve a built front-end: replace the static server by nginx, or leave the file alone. */
    frontendServer?: "nginx" | "leave";
    /** Minimum detection score for a conversion (default 4). */
    minScore?: number;
    /**
     * Name the OS release on the builder's FROM when its tag floats (`rust:1.93` → `rust:1.93-trixie`),
     * so builder and runtime cannot drift apart (default true).
     */
    pinRelease?: boolean;
    /**
     * Add BuildKit cache mounts (`RUN --mount=type=cache,target=…`) to the dependency steps that
     * are reordered (default false: plain `docker build` without BuildKit rejects them).
     */
    cacheMounts?: boolean;
  };
}

export interface ConvertResult {
  decision: DecisionKind;
  reasons: Reason[];
  /** The new text; equal to the input unless decision is converted. */
  output: string;
  /** Git-style unified diff; empty unless converted. */
  patch: string;
  ecosystem: string | null;
  detections: Detection[];
  facts: Facts | null;
  plan: RuntimePlan | null;
  contract: ContractCheck | null;
  explanation: Explanation[];
  /** Stage names planned, in order (e.g. ["builder", "runtime"]). */
  stages: string[];
}
