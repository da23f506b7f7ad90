// The rules a SARIF log names: one for a file that would be converted, one per reason a file is
// left alone (the codes of the README's leave-alone table, plus the reader's skip codes). A table,
// so a new reason code is one more row; an unknown code falls back to the generic rule.

export interface RuleSpec {
  id: string;
  /** PascalCase name, as SARIF viewers show it. */
  name: string;
  /** One sentence: what a result of this rule means. */
  short: string;
  /** What to do about it. */
  help: string;
  level: "warning" | "note";
}

export const CONVERT_RULE: RuleSpec = {
  id: "convertible",
  name: "SingleStageBuild",
  short: "This single-stage Dockerfile can become a multi-stage build.",
  help:
    "The build toolchain ends up in the final image. msb-migrate can keep it in a builder stage " +
    "and copy only what the program needs into a minimal runtime stage. Review the attached fix " +
    "(or run `msb-migrate --dry-run FILE`), then apply it with `msb-migrate FILE`.",
  level: "warning",
};

const LEFT_ALONE: [code: string, name: string, short: string][] = [
  ["already-multi-stage", "AlreadyMultiStage", "The file has several stages already."],
  ["nothing-built", "NothingBuilt", "No build step (or FROM scratch): nothing to move out."],
  ["onbuild-parent", "OnbuildParent", "ONBUILD triggers: a parent image for other builds."],
  ["no-ecosystem", "NoEcosystem", "No ecosystem module recognises the build with enough evidence."],
  [
    "toolchain-at-runtime",
    "ToolchainAtRuntime",
    "The image's command runs the toolchain (go run, cargo run, npm run dev…).",
  ],
  [
    "artifact-unknown",
    "ArtifactUnknown",
    "What the image runs is not among the build outputs seen.",
  ],
  [
    "runtime-library-unknown",
    "RuntimeLibraryUnknown",
    "A -dev package whose runtime package is not in the data.",
  ],
  [
    "release-unknown",
    "ReleaseUnknown",
    "The builder's OS release cannot be known, and the program may link its C library.",
  ],
  [
    "release-mismatch",
    "ReleaseMismatch",
    "No runtime image of the builder's OS release (or a newer one of the same C library) is published.",
  ],
  ["contract", "ContractChanged", "The rewrite would change the image's contract."],
  ["unsupported", "Unsupported", "A case the converter does not handle (see the message)."],
  ["parse-error", "ParseError", "The shell of a RUN could not be parsed."],
  ["policy", "Policy", "The configuration forbids this rewrite."],
  [
    "verify-failed",
    "VerifyFailed",
    "--resolve: the rewrite planned from the observed builder did not verify.",
  ],
  ["too-large", "TooLarge", "The file is over the --max-size limit."],
  ["timeout", "Timeout", "The conversion took longer than the --timeout-ms bound."],
];

/** Any other reason code (a newer converter than this table). */
export const LEFT_ALONE_RULE: RuleSpec = {
  id: "left-alone",
  name: "LeftAlone",
  short: "msb-migrate left this file as it is.",
  help: "The message says why. Nothing to do unless you expected a conversion.",
  level: "note",
};

const leftAloneRule = ([code, name, short]: (typeof LEFT_ALONE)[number]): RuleSpec => ({
  id: `left-alone/${code}`,
  name,
  short,
  help:
    `${short} msb-migrate leaves a file alone when it is not sure the rewrite keeps the image ` +
    "working; the message says what it found. Nothing to do unless you expected a conversion.",
  level: "note",
});

/** Every rule, in the order of tool.driver.rules (results point at them by index). */
export const RULES: readonly RuleSpec[] = [
  CONVERT_RULE,
  ...LEFT_ALONE.map(leftAloneRule),
  LEFT_ALONE_RULE,
];

const INDEX = new Map(RULES.map((r, i) => [r.id, i]));

/** The rule and its index for a file left alone with this reason code. */
export function ruleForReason(code: string | undefined): { rule: RuleSpec; index: number } {
  const index = INDEX.get(`left-alone/${code}`) ?? INDEX.get(LEFT_ALONE_RULE.id)!;
  return { rule: RULES[index]!, index };
}

export const CONVERT_RULE_INDEX = INDEX.get(CONVERT_RULE.id)!;
