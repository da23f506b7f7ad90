// Corpus evaluation: run convert() over real Dockerfiles and score it against each folder's INDEX.tsv.
//   npm run eval [-- DIR…]     (default: ../shared/corpus/open beside the repository)
// Prints per-ecosystem recall/specificity, wrong-way decisions, errors, contract refusals and a
// comparison with the authors' own multi-stage rewrites; writes eval-report.json and eval-report.md.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DockerfileParser } from "dockerfile-ast";
import { convert } from "../src/index.js";
import { decode } from "../src/io/read.js";
import type { BuildContextInput } from "../src/types.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The shared corpus: $MSB_CORPUS when set, else ../shared/corpus beside the repository (CI, worktrees). */
export function corpusRoot(): string | null {
  const root = process.env["MSB_CORPUS"] || resolve(REPO_ROOT, "../shared/corpus");
  return existsSync(join(root, "open", "INDEX.tsv")) ? root : null;
}

export interface IndexRow {
  file: string;
  ecosystem: string;
  stages: number;
  expected: "convert" | "leave";
  notes: string;
}

/** Read a tab-separated file with a header line into records keyed by column name. */
export function readTsv(path: string): Record<string, string>[] {
  const lines = readFileSync(path, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  const header = (lines.shift() ?? "").split("\t");
  return lines.map((l) => {
    const cells = l.split("\t");
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""]));
  });
}

export function readIndex(dir: string): IndexRow[] {
  return readTsv(join(dir, "INDEX.tsv")).map((r) => {
    if (r["expected"] !== "convert" && r["expected"] !== "leave") {
      throw new Error(
        `${dir}/INDEX.tsv: ${r["file"]}: expected must be convert or leave, not "${r["expected"]}"`,
      );
    }
    return {
      file: r["file"]!,
      ecosystem: r["ecosystem"]!,
      stages: Number(r["stages"]),
      expected: r["expected"],
      notes: r["notes"] ?? "",
    };
  });
}

// ---- image families and the authors' rewrites --------------------------------------------------

/** Reduce an image reference to a family so `debian:bookworm-slim` ~ `debian`, `gcr.io/distroless/*` ~ distroless. */
export function imageFamily(ref: string): string {
  let name = ref.trim().toLowerCase().split("@")[0]!;
  const tagAt = name.indexOf(":", name.lastIndexOf("/") + 1);
  const tag = tagAt >= 0 ? name.slice(tagAt + 1) : "";
  if (tagAt >= 0) name = name.slice(0, tagAt);
  name = name.replace(/^(docker\.io|index\.docker\.io)\//, "").replace(/^library\//, "");
  if (name.includes("distroless")) return "distroless";
  if (name === "scratch") return "scratch";
  if (name.includes("nanoserver")) return "windows-nanoserver";
  if (name.includes("servercore")) return "windows-servercore";
  if (/(^|\/)(dotnet|aspnet)/.test(name)) {
    // microsoft/dotnet:2.2-aspnetcore-runtime ~ mcr.microsoft.com/dotnet/aspnet:8.0
    const all = `${name}:${tag}`;
    if (/sdk/.test(all)) return "dotnet-sdk";
    if (/aspnet/.test(all)) return "dotnet-aspnet";
    if (/runtime-deps/.test(all)) return "dotnet-runtime-deps";
    return "dotnet-runtime";
  }
  return name.split("/").pop()!;
}

export interface StageSummary {
  /** Final stage's image, following `FROM <earlier stage>` back to a real image. */
  image: string;
  stages: number;
  /** Source paths of the final stage's `COPY --from=<earlier stage>`, absolute where the stage's WORKDIR tells. */
  artifacts: string[];
  /** `COPY --from=<outside image>` sources in the final stage (not artifacts of this build). */
  external: string[];
}

function copySources(argsContent: string, fallback: string[]): string[] {
  const text = argsContent.trim();
  if (text.startsWith("[")) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (Array.isArray(parsed)) return parsed.map(String).slice(0, -1);
    } catch {
      // not valid JSON: Docker treats it as shell form
    }
  }
  // shell form: Docker removes quotes from the words
  return fallback.slice(0, -1).map((w) => w.replace(/["']/g, ""));
}

/** What a multi-stage Dockerfile's final stage is made of. */
export function summariseStages(text: string): StageSummary {
  const df = DockerfileParser.parse(text);
  const stages: { name: string | null; image: string; workdir: string }[] = [];
  const artifacts: string[] = [];
  const external: string[] = [];
  const last = (): (typeof stages)[number] | undefined => stages[stages.length - 1];
  const stageByRef = (ref: string) =>
    /^\d+$/.test(ref)
      ? stages[Number(ref)]
      : stages.find((s) => s.name !== null && s.name === ref.toLowerCase());
  for (const ins of df.getInstructions()) {
    const kw = ins.getKeyword().toUpperCase();
    if (kw === "FROM") {
      const args = ins.getArguments().map((a) => a.getValue());
      const asAt = args.findIndex((a) => a.toLowerCase() === "as");
      const image = (args.find((a) => !a.startsWith("--")) ?? "").replace(/["']/g, "");
      const parent = stageByRef(image);
      stages.push({
        name: asAt >= 0 ? (args[asAt + 1] ?? "").toLowerCase() : null,
        image: parent && !/^\d+$/.test(image) ? parent.image : image,
        workdir: parent?.workdir ?? "/",
      });
      artifacts.length = 0; // only the final stage's copies count
      external.length = 0;
    } else if (kw === "WORKDIR" && last()) {
      const dir = ins.getArgumentsContent()?.trim() ?? "";
      if (dir)
        last()!.workdir =
          dir.startsWith("/") || /^[a-z]:/i.test(dir) ? dir : posix.join(last()!.workdir, dir);
    } else if (kw === "COPY") {
      const flags = (
        ins as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }
      ).getFlags();
      const from = flags.find((f) => f.getName().toLowerCase() === "from")?.getValue();
      if (!from) continue;
      const sources = copySources(
        ins.getArgumentsContent() ?? "",
        ins.getArguments().map((a) => a.getValue()),
      );
      const source = stageByRef(from);
      if (!source || source === last()) {
        external.push(...sources.map((s) => `${from}:${s}`));
        continue;
      }
      artifacts.push(
        ...sources.map((s) =>
          s.startsWith("/") || /^[a-z]:/i.test(s) ? s : posix.join(source.workdir, s),
        ),
      );
    }
  }
  return {
    image: last()?.image ?? "",
    stages: stages.length,
    artifacts: artifacts.map(normPath),
    external,
  };
}

function normPath(p: string): string {
  if (/^[a-z]:/i.test(p)) return p.replace(/\\/g, "/").replace(/\/+$/, "").toLowerCase();
  const n = posix.normalize(p).replace(/\/\.$/, "");
  return n.length > 1 ? n.replace(/\/+$/, "") : n;
}

function globRegex(p: string): RegExp {
  return new RegExp(
    "^" +
      p
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, "[^/]*")
        .replace(/\?/g, "[^/]") +
      "$",
  );
}

/** a and b name the same file, or one is a glob matching the other. */
function samePath(a: string, b: string): boolean {
  return (
    a === b || (/[*?]/.test(a) && globRegex(a).test(b)) || (/[*?]/.test(b) && globRegex(b).test(a))
  );
}
/** a and b overlap: the same, or one lies inside the other. */
function overlaps(a: string, b: string): boolean {
  const inside = (x: string, y: string) => y === "/" || x.startsWith(y + "/");
  const base = (x: string) => x.replace(/\/[^/]*[*?].*$/, "");
  return (
    samePath(a, b) ||
    inside(a, b) ||
    inside(b, a) ||
    inside(base(a), b) ||
    inside(base(b), a) ||
    base(a) === base(b)
  );
}

export type ArtifactMatch = "same" | "overlap" | "different";
export function compareArtifacts(theirs: string[], ours: string[]): ArtifactMatch {
  const t = theirs.map(normPath);
  const o = ours.map(normPath);
  if (
    t.every((x) => o.some((y) => samePath(x, y))) &&
    o.every((y) => t.some((x) => samePath(x, y)))
  )
    return "same";
  if (t.some((x) => o.some((y) => overlaps(x, y)))) return "overlap";
  return "different";
}

// ---- the evaluation ----------------------------------------------------------------------------

export interface FileResult {
  /** Path relative to the corpus folder (the INDEX `file` column), prefixed by the folder name. */
  file: string;
  ecosystem: string;
  expected: "convert" | "leave";
  decision: "converted" | "unchanged" | "skipped" | "error";
  reasons: { code: string; message: string }[];
  ourEcosystem: string | null;
  image: string | null;
  artifacts: string[];
  notes: string;
  ms: number;
  /**
   * Converted files with a dependency step after a copy of all the sources: the ecosystems whose
   * step was put first, and the kinds of reasons (cache-order.ts codes) others kept their place.
   */
  cacheOrder?: { reordered: string[]; kept: string[]; context: boolean };
}

/** Cache-order figures over the converted files. */
export interface CacheOrderSummary {
  /** Converted files with a dependency step after a copy of all the sources. */
  files: number;
  /** Of those, converted with a build context (--contexts). */
  withContext: number;
  reordered: number;
  /** Dependency steps put first, by ecosystem. */
  byEcosystem: Record<string, number>;
  /** Files whose every such step kept its place. */
  keptFiles: number;
  /** Steps that kept their place, by reason code. */
  keptByReason: Record<string, number>;
}

export interface Tally {
  files: number;
  expectConvert: number;
  converted: number;
  expectLeave: number;
  leftAlone: number;
  /** expected convert, left alone (or errored) */
  missed: number;
  /** expected leave, converted: the dangerous direction */
  wrongConverted: number;
  errors: number;
  contract: number;
}

export interface ReferenceResult {
  reference: string;
  file: string;
  converted: boolean;
  theirImage: string;
  ourImage: string | null;
  familyMatch: boolean;
  theirArtifacts: string[];
  ourArtifacts: string[];
  artifacts: ArtifactMatch | null;
  theirStages: number;
  ourStages: number;
}

export interface EvalReport {
  dirs: string[];
  byEcosystem: Record<string, Tally>;
  total: Tally;
  wrongWay: FileResult[];
  errors: FileResult[];
  contractRefusals: FileResult[];
  references: ReferenceResult[];
  cacheOrder: CacheOrderSummary;
  referenceSummary: {
    total: number;
    converted: number;
    familyMatch: number;
    artifactsSame: number;
    artifactsOverlap: number;
    stagesSame: number;
  };
  files: FileResult[];
}

const emptyTally = (): Tally => ({
  files: 0,
  expectConvert: 0,
  converted: 0,
  expectLeave: 0,
  leftAlone: 0,
  missed: 0,
  wrongConverted: 0,
  errors: 0,
  contract: 0,
});

function add(t: Tally, r: FileResult): void {
  t.files++;
  if (r.decision === "error") t.errors++;
  if (r.reasons.some((x) => x.code === "contract")) t.contract++;
  if (r.expected === "convert") {
    t.expectConvert++;
    if (r.decision === "converted") t.converted++;
    else t.missed++;
  } else {
    t.expectLeave++;
    if (r.decision === "converted") t.wrongConverted++;
    else if (r.decision !== "error") t.leftAlone++;
  }
}

/** A corpus file's build context (scripts/corpus-contexts.ts), when `contexts` has one. */
function contextOf(contexts: string | undefined, dir: string, file: string) {
  if (!contexts) return undefined;
  const p = join(contexts, basename(dir), `${file}.context.json`);
  return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as BuildContextInput) : undefined;
}

export function evalFile(dir: string, row: IndexRow, contexts?: string): FileResult {
  const label = `${basename(dir)}/${row.file}`;
  const base = { file: label, ecosystem: row.ecosystem, expected: row.expected, notes: row.notes };
  const t0 = performance.now();
  try {
    const text = decode(label, readFileSync(join(dir, row.file)));
    const context = contextOf(contexts, dir, row.file);
    const r = convert(text, { path: row.file, ...(context ? { context } : {}) });
    const order = r.decision === "converted" ? r.plan?.cacheOrder : undefined;
    return {
      ...(order
        ? {
            cacheOrder: {
              reordered: order.steps.map((st) => st.ecosystem),
              kept: order.kept.map((k) => k.code),
              context: context !== undefined,
            },
          }
        : {}),
      ...base,
      decision: r.decision,
      reasons: r.reasons.map(({ code, message }) => ({ code, message })),
      ourEcosystem: r.ecosystem,
      image: r.decision === "converted" ? (r.plan?.image ?? null) : null,
      artifacts: r.decision === "converted" ? (r.plan?.artifacts.map((a) => a.from) ?? []) : [],
      ms: performance.now() - t0,
    };
  } catch (error) {
    return {
      ...base,
      decision: "error",
      reasons: [
        {
          code: "error",
          message: (error as Error).stack?.split("\n").slice(0, 3).join(" | ") ?? String(error),
        },
      ],
      ourEcosystem: null,
      image: null,
      artifacts: [],
      ms: performance.now() - t0,
    };
  }
}

function compareReferences(
  referenceDir: string,
  dirs: string[],
  results: Map<string, FileResult>,
): ReferenceResult[] {
  if (!existsSync(join(referenceDir, "INDEX.tsv"))) return [];
  const out: ReferenceResult[] = [];
  for (const row of readTsv(join(referenceDir, "INDEX.tsv"))) {
    const dir = dirs.find((d) => basename(d) === row["split"]);
    const ours = dir ? results.get(`${basename(dir)}/${row["corpus_file"]}`) : undefined;
    if (!ours) continue; // its folder was not evaluated this run
    const theirs = summariseStages(
      readFileSync(join(referenceDir, row["reference_file"]!), "utf8"),
    );
    const converted = ours.decision === "converted";
    out.push({
      reference: row["reference_file"]!,
      file: ours.file,
      converted,
      theirImage: theirs.image,
      ourImage: ours.image,
      familyMatch: converted && imageFamily(theirs.image) === imageFamily(ours.image ?? ""),
      theirArtifacts: theirs.artifacts,
      ourArtifacts: ours.artifacts,
      artifacts: converted ? compareArtifacts(theirs.artifacts, ours.artifacts) : null,
      theirStages: theirs.stages,
      ourStages: converted ? 2 : 1,
    });
  }
  return out;
}

export function summariseCacheOrder(files: FileResult[]): CacheOrderSummary {
  const withOrder = files.filter((f) => f.cacheOrder);
  const byEcosystem: Record<string, number> = {};
  const keptByReason: Record<string, number> = {};
  for (const f of withOrder) {
    for (const e of f.cacheOrder!.reordered) byEcosystem[e] = (byEcosystem[e] ?? 0) + 1;
    for (const k of f.cacheOrder!.kept) keptByReason[k] = (keptByReason[k] ?? 0) + 1;
  }
  return {
    files: withOrder.length,
    withContext: withOrder.filter((f) => f.cacheOrder!.context).length,
    reordered: withOrder.filter((f) => f.cacheOrder!.reordered.length > 0).length,
    byEcosystem,
    keptFiles: withOrder.filter((f) => f.cacheOrder!.reordered.length === 0).length,
    keptByReason,
  };
}

export function runEval(dirs: string[], referenceDir?: string, contexts?: string): EvalReport {
  const byEcosystem: Record<string, Tally> = {};
  const total = emptyTally();
  const files: FileResult[] = [];
  for (const dir of dirs) {
    for (const row of readIndex(dir)) {
      const r = evalFile(dir, row, contexts);
      files.push(r);
      add((byEcosystem[r.ecosystem] ??= emptyTally()), r);
      add(total, r);
    }
  }
  const wrongWay = files.filter(
    (f) => f.decision !== "error" && (f.expected === "convert") !== (f.decision === "converted"),
  );
  const refDir = referenceDir ?? join(dirname(dirs[0] ?? "."), "reference");
  const references = compareReferences(refDir, dirs, new Map(files.map((f) => [f.file, f])));
  const conv = references.filter((r) => r.converted);
  return {
    dirs,
    byEcosystem: Object.fromEntries(
      Object.entries(byEcosystem).sort(([a], [b]) => a.localeCompare(b)),
    ),
    total,
    wrongWay,
    errors: files.filter((f) => f.decision === "error"),
    contractRefusals: files.filter((f) => f.reasons.some((x) => x.code === "contract")),
    references,
    cacheOrder: summariseCacheOrder(files),
    referenceSummary: {
      total: references.length,
      converted: conv.length,
      familyMatch: conv.filter((r) => r.familyMatch).length,
      artifactsSame: conv.filter((r) => r.artifacts === "same").length,
      artifactsOverlap: conv.filter((r) => r.artifacts === "overlap").length,
      stagesSame: conv.filter((r) => r.theirStages === r.ourStages).length,
    },
    files,
  };
}

// ---- output ------------------------------------------------------------------------------------

const pct = (n: number, d: number) => (d === 0 ? "–" : `${Math.round((100 * n) / d)}%`);
const short = (f: string) => f.replace(/^[^/]+\/[^/]+\//, "");

export function toMarkdown(r: EvalReport): string {
  const out: string[] = [];
  out.push(`## Corpus evaluation (${r.dirs.map((d) => basename(d)).join(", ")})`, "");
  out.push(
    "| Ecosystem | Files | Expect convert | Converted | Recall | Expect leave | Left alone | Specificity | Errors | Contract refusals |",
  );
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  const row = (name: string, t: Tally) =>
    `| ${name} | ${t.files} | ${t.expectConvert} | ${t.converted} | ${pct(t.converted, t.expectConvert)} | ${t.expectLeave} | ${t.leftAlone} | ${pct(t.leftAlone, t.expectLeave)} | ${t.errors} | ${t.contract} |`;
  for (const [eco, t] of Object.entries(r.byEcosystem)) out.push(row(eco, t));
  out.push(row("**total**", r.total), "");

  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\s+/g, " ");
  const leaves = r.wrongWay.filter((f) => f.expected === "leave");
  out.push(`### Wrong way: converted, INDEX says leave (${leaves.length})`, "");
  if (leaves.length === 0) out.push("None.");
  for (const f of leaves)
    out.push(
      `- \`${f.file}\` → ${f.ourEcosystem} on \`${f.image}\`, copies ${f.artifacts.join(", ") || "nothing"}. INDEX: ${cell(f.notes)}`,
    );
  const missed = r.wrongWay.filter((f) => f.expected === "convert");
  out.push("", `### Wrong way: left alone, INDEX says convert (${missed.length})`, "");
  if (missed.length === 0) out.push("None.");
  for (const f of missed)
    out.push(
      `- \`${f.file}\` ${f.decision}: ${f.reasons.map((x) => `${x.code}: ${cell(x.message)}`).join("; ")}`,
    );
  if (r.errors.length) {
    out.push("", `### Errors (${r.errors.length})`, "");
    for (const f of r.errors) out.push(`- \`${f.file}\`: ${cell(f.reasons[0]?.message ?? "")}`);
  }
  out.push("", `### Contract-check refusals (${r.contractRefusals.length})`, "");
  if (r.contractRefusals.length === 0) out.push("None.");
  for (const f of r.contractRefusals)
    out.push(
      `- \`${f.file}\`: ${cell(f.reasons.find((x) => x.code === "contract")?.message ?? "")}`,
    );

  const co = r.cacheOrder;
  out.push("", `### Cache order: dependency steps before the sources (${co.files})`, "");
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "none";
  out.push(
    `Converted files with a dependency step after a copy of all the sources: ${co.files} ` +
      `(${co.withContext} with a build context). Reordered: ${co.reordered} (${list(co.byEcosystem)}); ` +
      `order kept: ${co.keptFiles} (steps by reason: ${list(co.keptByReason)}).`,
  );
  for (const f of r.files.filter((x) => x.cacheOrder))
    out.push(
      `- \`${f.file}\`: ${f.cacheOrder!.reordered.length ? `reordered (${f.cacheOrder!.reordered.join(", ")})` : ""}${f.cacheOrder!.reordered.length && f.cacheOrder!.kept.length ? "; " : ""}${f.cacheOrder!.kept.length ? `kept (${f.cacheOrder!.kept.join(", ")})` : ""}`,
    );

  const s = r.referenceSummary;
  out.push("", `### Against the authors' own rewrites (${s.total})`, "");
  out.push(
    `Converted ${s.converted}/${s.total}; of those, same runtime image family ${s.familyMatch}/${s.converted}, ` +
      `same artifacts ${s.artifactsSame} (+${s.artifactsOverlap} overlapping), same stage count ${s.stagesSame}/${s.converted}.`,
    "",
  );
  out.push(
    "| File | Theirs: image | Ours: image | Family | Their artifacts | Our artifacts | Artifacts | Stages (theirs/ours) |",
  );
  out.push("|---|---|---|---|---|---|---|---|");
  for (const x of r.references) {
    const fam = x.converted
      ? x.familyMatch
        ? "same"
        : `${imageFamily(x.theirImage)} ≠ ${imageFamily(x.ourImage ?? "")}`
      : "–";
    out.push(
      `| ${cell(short(x.file))} | \`${x.theirImage}\` | ${x.ourImage ? `\`${x.ourImage}\`` : "not converted"} | ${fam} | ${cell(x.theirArtifacts.join(", ") || "–")} | ${cell(x.ourArtifacts.join(", ") || "–")} | ${x.artifacts ?? "–"} | ${x.theirStages}/${x.ourStages} |`,
    );
  }
  return out.join("\n") + "\n";
}

async function cli(args: string[]): Promise<number> {
  // --contexts DIR: build contexts of the corpus files (scripts/corpus-contexts.ts).
  const at = args.indexOf("--contexts");
  const contexts = at === -1 ? undefined : resolve(args[at + 1] ?? ".");
  if (at !== -1) args.splice(at, 2);
  let dirs = args.map((a) => resolve(a));
  if (dirs.length === 0) {
    const root = corpusRoot();
    if (!root) {
      const where = process.env["MSB_CORPUS"] || resolve(REPO_ROOT, "../shared/corpus");
      process.stderr.write(
        `eval: no corpus at ${where} (set MSB_CORPUS or give DIRs); nothing to evaluate\n`,
      );
      return 0;
    }
    dirs = [join(root, "open")];
  }
  const missing = dirs.filter((d) => !existsSync(join(d, "INDEX.tsv")));
  if (missing.length) {
    process.stderr.write(`eval: no INDEX.tsv in ${missing.join(", ")}\n`);
    return 2;
  }
  const report = runEval(dirs, undefined, contexts);
  const md = toMarkdown(report);
  writeFileSync(join(REPO_ROOT, "eval-report.json"), JSON.stringify(report, null, 2) + "\n");
  writeFileSync(join(REPO_ROOT, "eval-report.md"), md);
  process.stdout.write(md + `\nWrote eval-report.json and eval-report.md in ${REPO_ROOT}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await cli(process.argv.slice(2));
}
