// End-to-end: every fixtures/e2e-* case with a build context is converted, both Dockerfiles are
// built with the local engine (scripts/engine-setup.sh), both images are run, and the converted
// one must behave the same and be smaller. Without an engine, or with one that lacks the local base
// images (a fresh clone before `npm run engine`), the cases are skipped with one line saying so;
// with CI=true or MSB_REQUIRE_ENGINE=1 that is one failure.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { ConvertOptions } from "../../src/types.js";
import { formatReport, verifyDockerfile } from "../../src/verify/index.js";
import { formatBytes } from "../../src/verify/format.js";
import { e2eCases, engineReadiness } from "./engine.js";

const fixtures = fileURLToPath(new URL("../../fixtures/", import.meta.url));

interface CaseFile {
  smoke?: { http?: string; args?: string[]; timeoutSec?: number };
  options?: ConvertOptions;
}

const cases = e2eCases();

const required = process.env.CI === "true" || process.env.MSB_REQUIRE_ENGINE === "1";
const probe = await engineReadiness();
const skipNote = probe.ok ? "" : " [skipped: no engine or base images]";
if (!probe.ok) {
  console.warn(
    `e2e real builds ${required ? "REQUIRED but" : "skipped:"} ${probe.reason}` +
      (required ? "" : " (set MSB_REQUIRE_ENGINE=1 to make this a failure)"),
  );
}

interface Row {
  name: string;
  original: number;
  converted: number;
  origSeconds: number;
  convSeconds: number;
}
const rows: Row[] = [];

describe("real builds of the e2e fixtures", () => {
  it.runIf(required)(
    "a container engine answers, with its base images (CI=true or MSB_REQUIRE_ENGINE=1)",
    () => {
      expect(probe.ok, probe.ok ? "" : probe.reason).toBe(true);
    },
  );

  it("has the buildable fixtures", () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  for (const name of cases) {
    it.skipIf(!probe.ok)(
      `${name}: converted, smaller, same behaviour${skipNote}`,
      async () => {
        const dir = path.join(fixtures, name);
        const caseFile = path.join(dir, "case.json");
        const spec: CaseFile = existsSync(caseFile)
          ? JSON.parse(readFileSync(caseFile, "utf8"))
          : {};
        const report = await verifyDockerfile({
          dockerfile: path.join(dir, "Dockerfile"),
          context: path.join(dir, "context"),
          convertOptions: spec.options,
          smoke: spec.smoke,
          // MSB_E2E_NO_CACHE=1 measures cold builds (slow: every apt-get and compile runs again).
          noCache: process.env.MSB_E2E_NO_CACHE === "1",
        });
        const text = formatReport(report);
        expect(report.decision, `${name}: ${text}`).toBe("converted");
        expect(report.verdict, `${name}:\n${text}`).toBe("verified");
        const orig = report.original?.image?.size ?? 0;
        const conv = report.converted?.image?.size ?? Infinity;
        rows.push({
          name,
          original: orig,
          converted: conv,
          origSeconds: report.original?.build.seconds ?? 0,
          convSeconds: report.converted?.build.seconds ?? 0,
        });
        expect(conv, `${name}: converted image is not smaller`).toBeLessThan(orig);
      },
      600_000,
    );
  }

  afterAll(() => {
    if (rows.length === 0) return;
    const lines = rows.map(
      (r) =>
        `${r.name.padEnd(18)} ${String(r.original).padStart(11)} ${String(r.converted).padStart(11)}` +
        `  ${formatBytes(r.original).padStart(8)} → ${formatBytes(r.converted).padEnd(8)}` +
        ` -${((100 * (r.original - r.converted)) / r.original).toFixed(1).padStart(4)}%` +
        `  build ${r.origSeconds.toFixed(1)}s / ${r.convSeconds.toFixed(1)}s`,
    );
    console.log(["fixture            original B  converted B", ...lines].join("\n"));
  });
});
