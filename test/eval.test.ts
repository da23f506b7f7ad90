// The corpus evaluation as a regression test: the figures may only get better.
// Floors are pinned from the last run; after an improvement, raise them (npm run eval shows the new figures).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  compareArtifacts,
  corpusRoot,
  imageFamily,
  runEval,
  summariseStages,
  toMarkdown,
} from "../scripts/eval.js";
import { tempDir } from "./tmp.js";

/** Converted files per INDEX ecosystem, open + extra. Floors: a drop fails, a gain passes. */
const CONVERTED_FLOOR: Record<string, number> = {
  "c-cpp": 6,
  dotnet: 5,
  elixir: 2,
  go: 12,
  java: 7,
  node: 3,
  "node-frontend": 5,
  php: 3,
  python: 3,
  ruby: 3,
  rust: 3,
};
const TOTAL_CONVERTED_FLOOR = 52;
/** Of the 23 authors' rewrites: how many we convert, and on the same runtime image family. */
const REFERENCE_CONVERTED_FLOOR = 17;
const REFERENCE_FAMILY_FLOOR = 12;
/** Corpus files whose dependency step is put first, converted with test/corpus-contexts. */
const CACHE_REORDERED_FLOOR = 3;

const root = corpusRoot();

describe.skipIf(!root)(
  `corpus evaluation${root ? "" : " — SKIPPED: no corpus at ../shared/corpus or $MSB_CORPUS"}`,
  () => {
    const report = root ? runEval([join(root, "open"), join(root, "extra")]) : null!;

    it("converts no file whose INDEX says leave", () => {
      const wrong = report.files
        .filter((f) => f.expected === "leave" && f.decision === "converted")
        .map((f) => f.file);
      expect(wrong).toEqual([]);
    });

    it("throws on no file", () => {
      expect(report.errors.map((f) => `${f.file}: ${f.reasons[0]?.message}`)).toEqual([]);
    });

    it("converts at least as many files as before, in every ecosystem", () => {
      expect(report.total.converted).toBeGreaterThanOrEqual(TOTAL_CONVERTED_FLOOR);
      const below = Object.entries(CONVERTED_FLOOR)
        .map(([eco, floor]) => ({ eco, floor, got: report.byEcosystem[eco]?.converted ?? 0 }))
        .filter((x) => x.got < x.floor);
      expect(below).toEqual([]); // lists each ecosystem that dropped below its floor
    });

    it("counts the cache order: with the committed build contexts, reorders without breaking", () => {
      // Without contexts (the corpus holds Dockerfiles only) every such step keeps its order.
      const co = report.cacheOrder;
      expect(co.withContext).toBe(0);
      expect(co.reordered).toBe(0);
      expect(co.keptByReason).toEqual({ "context-unknown": co.files });
      const contexts = fileURLToPath(new URL("./corpus-contexts/", import.meta.url));
      const withCtx = runEval([join(root!, "open"), join(root!, "extra")], undefined, contexts);
      // A context changes the builder's order only: the same decisions, file by file.
      expect(withCtx.files.map((f) => [f.file, f.decision])).toEqual(
        report.files.map((f) => [f.file, f.decision]),
      );
      expect(withCtx.cacheOrder.reordered).toBeGreaterThanOrEqual(CACHE_REORDERED_FLOOR);
      expect(toMarkdown(withCtx)).toContain("### Cache order: dependency steps before the sources");
    });

    it("agrees with the authors' rewrites at least as often as before", () => {
      expect(report.referenceSummary.total).toBe(23);
      expect(report.referenceSummary.converted).toBeGreaterThanOrEqual(REFERENCE_CONVERTED_FLOOR);
      expect(report.referenceSummary.familyMatch).toBeGreaterThanOrEqual(REFERENCE_FAMILY_FLOOR);
      // we always plan builder + runtime, as every author did
      expect(report.references.filter((r) => r.converted && r.theirStages !== r.ourStages)).toEqual(
        [],
      );
    });
  },
);

describe("eval scoring", () => {
  const dir = tempDir("msb-eval-");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("tallies by INDEX: missed converts, files left alone, errors", () => {
    const open = join(dir, "open");
    mkdirSync(join(open, "x"), { recursive: true });
    writeFileSync(
      join(open, "x", "multi.Dockerfile"),
      "FROM golang AS b\nRUN go build -o /app .\nFROM alpine\nCOPY --from=b /app /app\n",
    );
    writeFileSync(join(open, "x", "plain.Dockerfile"), 'FROM alpine\nCMD ["sh"]\n');
    writeFileSync(join(open, "x", "utf16.Dockerfile"), Buffer.from([0xff, 0xfe, 0x46, 0x00]));
    writeFileSync(
      join(open, "INDEX.tsv"),
      "file\trepo\tpath\tcommit\tecosystem\tstages\texpected\tnotes\n" +
        "x/multi.Dockerfile\tr\tp\tc\tgo\t2\tconvert\talready split\n" +
        "x/plain.Dockerfile\tr\tp\tc\tstatic\t1\tleave\tnothing built\n" +
        "x/utf16.Dockerfile\tr\tp\tc\tstatic\t1\tleave\tnot UTF-8\n",
    );
    const r = runEval([open]);
    expect(r.total).toMatchObject({
      files: 3,
      expectConvert: 1,
      converted: 0,
      missed: 1,
      expectLeave: 2,
      leftAlone: 1,
      errors: 1,
      wrongConverted: 0,
    });
    expect(r.wrongWay.map((f) => [f.file, f.reasons[0]?.code])).toEqual([
      ["open/x/multi.Dockerfile", "already-multi-stage"],
    ]);
    expect(r.references).toEqual([]); // no reference/ beside it
    expect(toMarkdown(r)).toContain("| **total** | 3 | 1 | 0 | 0% | 2 | 1 | 50% | 1 | 0 |");
  });

  it("groups runtime images into families", () => {
    expect(imageFamily("debian:bookworm-slim")).toBe(imageFamily("debian"));
    expect(imageFamily("docker.io/library/alpine:3.20")).toBe("alpine");
    expect(imageFamily("gcr.io/distroless/cc-debian12")).toBe(
      imageFamily("gcr.io/distroless/static:nonroot"),
    );
    expect(imageFamily("nginx:stable-alpine")).toBe("nginx");
    expect(imageFamily("microsoft/dotnet:2.2-aspnetcore-runtime")).toBe(
      imageFamily("mcr.microsoft.com/dotnet/aspnet:8.0"),
    );
    expect(imageFamily("mcr.microsoft.com/dotnet/sdk:8.0")).not.toBe(
      imageFamily("mcr.microsoft.com/dotnet/aspnet:8.0"),
    );
    expect(imageFamily("ubuntu:22.04")).not.toBe(imageFamily("debian:12"));
  });

  it("reads the final stage of an author's rewrite", () => {
    const s = summariseStages(
      "FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build -o out/app .\n" +
        "FROM build AS test\nRUN go test ./...\n" +
        'FROM alpine AS base\nFROM base\nCOPY --from=build --chown=1:1 out/app /app\nCOPY --from=0 ["/etc/ssl/certs", "/etc/ssl/certs"]\nCOPY --from=nginx:1 /etc/nginx /etc/nginx\n',
    );
    expect(s).toEqual({
      image: "alpine",
      stages: 4,
      artifacts: ["/src/out/app", "/etc/ssl/certs"],
      external: ["nginx:1:/etc/nginx"],
    });
  });

  it("compares artifact sets exactly, by overlap, or not at all", () => {
    expect(compareArtifacts(["/usr/bin/coredns"], ["/usr/bin/coredns/"])).toBe("same");
    expect(compareArtifacts(["/build/target/release/axum*"], ["/build/target/release/axum"])).toBe(
      "same",
    );
    expect(compareArtifacts(["/app/out"], ["/app/out/web.dll"])).toBe("overlap");
    expect(compareArtifacts(["/app/app"], ["/go/bin/app"])).toBe("different");
  });
});
