// Every conversion of the fixtures and of the shared corpus runs its program on a C library that
// fits the one it was built against. The releases are read here from the generated table
// (data/releases) by the images the converted file names, not from the plan's own account.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readImageRef } from "../src/analyse.js";
import { normaliseRepo } from "../src/data.js";
import { convert } from "../src/index.js";
import { parseDocument } from "../src/parse/document.js";
import { LIBC_FREE_CLASSES } from "../src/release-fit.js";
import { libcFits, namedRelease, osRelease, tagRelease, type OsRelease } from "../src/releases.js";
import { parse as parseYaml } from "yaml";
import { corpusDir, fixtureCases, repoRoot } from "./helpers.js";

interface Input {
  name: string;
  text: string;
  options: Parameters<typeof convert>[1];
}

function inputs(): Input[] {
  const out: Input[] = fixtureCases().map((c) => ({
    name: `fixtures/${c.name}`,
    text: c.input,
    options: c.options,
  }));
  for (const set of ["open", "extra"]) {
    const index = `${corpusDir}${set}/INDEX.tsv`;
    if (!existsSync(index)) continue;
    for (const row of readFileSync(index, "utf8").trim().split("\n").slice(1)) {
      const file = row.split("\t")[0]!;
      out.push({
        name: `corpus/${set}/${file}`,
        text: readFileSync(`${corpusDir}${set}/${file}`, "utf8"),
        options: {},
      });
    }
  }
  return out;
}

/** The release an image reference pulls, by the table alone. */
function releaseOf(ref: string): OsRelease | null {
  const image = readImageRef(ref);
  const repo = normaliseRepo(image.name);
  const distroless = /^gcr\.io\/distroless\/\w+-debian(\d+)$/.exec(repo);
  if (distroless) return osRelease("debian", distroless[1]!);
  const named = namedRelease(image.tag);
  if (named && (named.version || named.codename)) return named;
  return tagRelease(repo, image.tag)?.os ?? null;
}

/** Does the tag name its release for good (so the pair cannot drift)? */
function namesRelease(ref: string): boolean {
  const image = readImageRef(ref);
  const repo = normaliseRepo(image.name);
  const named = namedRelease(image.tag);
  if (named && (named.version || named.codename)) return true;
  if (["debian", "ubuntu", "alpine"].includes(repo) && /^\d+(\.\d+)*(-slim)?$/.test(image.tag))
    return true;
  const known = tagRelease(repo, image.tag);
  // A tag no sibling names the release of (erlang:26) cannot be pinned.
  return known ? known.named || known.pin === undefined : false;
}

/** Runtimes whose program does not use the builder's C library, by what the plan copies. */
function libcFree(r: ReturnType<typeof convert>): string | null {
  const cls = r.plan?.runtimeClass ?? "";
  if (LIBC_FREE_CLASSES.has(cls)) return cls;
  const why = r.plan?.imageWhy ?? "";
  if (why.startsWith("--") || why.startsWith("config")) return "chosen by the user";
  return null;
}

/** Runtime images their publisher builds on the builder's OS (data/images.yaml sameReleasePairs). */
const pairs = (
  parseYaml(readFileSync(`${repoRoot}data/images.yaml`, "utf8")) as {
    sameReleasePairs: { builder: string; runtime: string }[];
  }
).sameReleasePairs;
/** The OS words of a tag (codename or Alpine release), which both sides of a pair must share. */
const osWords = (ref: string) =>
  readImageRef(ref)
    .tag.split("-")
    .filter((w) => namedRelease(w))
    .join("-");
function publisherPair(builder: string, runtime: string): boolean {
  const b = normaliseRepo(readImageRef(builder).name);
  const r = normaliseRepo(readImageRef(runtime).name);
  return (
    pairs.some((p) => new RegExp(p.builder).test(b) && new RegExp(p.runtime).test(r)) &&
    osWords(builder) === osWords(runtime)
  );
}

const all = inputs();
const tally = { converted: 0, libcFree: 0, matched: 0, paired: 0, pinned: 0 };

describe("runtime C library fits the builder's (checked against data/releases)", () => {
  for (const input of all) {
    it(input.name, () => {
      const r = convert(input.text, input.options);
      if (r.decision !== "converted") return;
      tally.converted++;
      const froms = parseDocument(r.output).instructions.filter((i) => i.keyword === "FROM");
      const builderRef = froms[0]!.args.split(/\s+/).filter((w) => !w.startsWith("--"))[0]!;
      const runtimeRef = froms
        .at(-1)!
        .args.split(/\s+/)
        .filter((w) => !w.startsWith("--"))[0]!;
      if (r.plan?.builderImage) tally.pinned++;
      if (libcFree(r)) {
        tally.libcFree++;
        return;
      }
      // The builder's own image (php extensions), or a publisher's pair of images.
      if (builderRef === runtimeRef || publisherPair(builderRef, runtimeRef)) {
        tally.paired++;
        return;
      }
      const b = releaseOf(builderRef);
      const rt = releaseOf(runtimeRef);
      expect(b, `${input.name}: release of the builder ${builderRef}`).not.toBeNull();
      expect(rt, `${input.name}: release of the runtime ${runtimeRef}`).not.toBeNull();
      expect(
        b!.key === rt!.key || libcFits(b!, rt!),
        `${input.name}: ${builderRef} (${b!.key} ${b!.libc} ${b!.libcVersion}) → ${runtimeRef} (${rt!.key} ${rt!.libc} ${rt!.libcVersion})`,
      ).toBe(true);
      // A builder tag that floats is pinned, so the pair cannot drift apart later.
      if (!readImageRef(builderRef).digest && !builderRef.includes("$"))
        expect(namesRelease(builderRef), `${input.name}: ${builderRef} names no release`).toBe(
          true,
        );
      tally.matched++;
    });
  }
  it("checked a real share of conversions", () => {
    // Floors: this test reads real conversions, not none (fewer when the corpus is not beside the
    // repository: the fixtures alone).
    const withCorpus = all.some((i) => i.name.startsWith("corpus/"));
    expect(tally.converted).toBeGreaterThan(withCorpus ? 100 : 60);
    expect(tally.matched).toBeGreaterThan(withCorpus ? 40 : 15);
  });
});
