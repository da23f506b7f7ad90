// The one interface every ecosystem module in transforms/ implements.
import type { BuildContext } from "./build-context.js";
import type {
  ArtifactCopy,
  Detection,
  Document,
  Evidence,
  Facts,
  Reason,
  UserConfig,
} from "./types.js";

/** What a transform sees: the parsed file, the facts, and the user's config. */
export interface TransformContext {
  doc: Document;
  facts: Facts;
  config: UserConfig;
  /** The build context as BuildContext (undefined: none given, as for standard input; `unknown`:
   *  not readable): entry and build scripts (src/scripts.ts). */
  buildContext?: BuildContext | { unknown: string };
  /** Scripts RUN steps run that could not be read (no context): named when a file is left. */
  unreadScripts?: { line: number; script: string; why: string }[];
}

/**
 * A transform's plan for the runtime stage. The engine turns it into text: it picks the runtime
 * image from `runtimeClass` (data/images.yaml runtimeImages), carries the image contract over,
 * installs runtime packages, then checks the result.
 */
export interface TransformPlan {
  /** Key of runtimeImages in data/images.yaml: static, static-shell, glibc, musl, static-site… */
  runtimeClass: string;
  /** Why this class, for the explanation. */
  runtimeWhy: string;
  artifacts: ArtifactCopy[];
  /** Instructions after the last build step that must not reach the runtime stage. */
  builderOnly?: number[];
  /**
   * Values for `{name}` placeholders of the runtime image template besides `{codename}` and
   * `{release}` (e.g. `{version}`: the interpreter version read from the builder's tag).
   */
  imageVars?: Record<string, string>;
  /**
   * Dockerfile lines appended to the builder after its last step (e.g. removing dev-only
   * dependencies before the runtime stage copies them), each with the reason.
   */
  builderSteps?: { line: string; why: string }[];
  /**
   * Dockerfile lines inserted into the builder before an instruction (index), each group with the
   * reason (the Python virtualenv, created before the installs so they land in it).
   */
  builderInserts?: { before: number; lines: string[]; why: string }[];
  /**
   * Builder RUNs cut short: each becomes `text`, a prefix of its own text (trailing package
   * removals dropped: the builder never reaches the final image), each explained.
   */
  builderRewrites?: { index: number; text: string; why: string }[];
  /** Dockerfile lines added to the runtime stage after the copies (e.g. a server config). */
  extraSteps?: string[];
  /**
   * Instructions of the tail rewritten in place (`poetry run X` started as `X` with the virtualenv
   * on PATH); each must also be a declared change.
   */
  rewrites?: { index: number; text: string }[];
  /** Dockerfile lines added to the runtime stage after the copies from the builder (checks). */
  afterCopySteps?: string[];
  /** Contract fields the plan changes on purpose, each with the reason. */
  declaredChanges?: { field: string; from: string; to: string; why: string }[];
  /**
   * Packages the builder installs that only the build uses (node for asset compilation): the
   * runtime stage does not install them, though they are not build-only everywhere.
   */
  builderOnlyPackages?: string[];
  /**
   * The builder's FROM rewritten by the transform (`tomcat:9.0` → `tomcat:9.0-jdk25`: a floating
   * tag pinned to the sibling that names what the runtime is chosen for), when the engine pins none.
   */
  builderImage?: { from: string; to: string; why: string };
  /** Packages the runtime stage installs besides the engine's (a JRE for a JDK the builder installed). */
  runtimePackages?: string[];
  /** The runtime stage needs a shell (scripts, RUN steps) even if the engine would not see it. */
  needsShell?: boolean;
  evidence?: Evidence[];
  notes?: string[];
}

export interface LeaveAlone {
  leave: Reason;
}

export interface Transform {
  id: string;
  describe: string;
  /** Does this file belong to the ecosystem? Score with evidence; null when not at all. */
  detect(ctx: TransformContext): Detection | null;
  plan(ctx: TransformContext): TransformPlan | LeaveAlone;
}

/** A leave-alone answer with its reason code, message and (when known) line. */
export function leave(code: string, message: string, line?: number): LeaveAlone {
  return { leave: { code, message, ...(line ? { line } : {}) } };
}

export function isLeave(p: TransformPlan | LeaveAlone): p is LeaveAlone {
  return "leave" in p;
}
