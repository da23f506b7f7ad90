// `msb-migrate verify` stopped part-way (SIGTERM while building, SIGINT while a container runs):
// the exit code names the signal and no container, image tag or temporary folder of the run is
// left behind.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resolveDockerPath } from "../../src/verify/index.js";
import { engineReadiness } from "../e2e/engine.js";
import { childTmp, runAndSignal } from "./signal.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const goCli = `${root}fixtures/e2e-go-cli`;

/** Containers and images named after this process's verify runs. */
function leftovers(pid: number): string[] {
  const docker = resolveDockerPath();
  const prefix = `msb-verify-${pid}-`;
  const ps = execFileSync(
    docker,
    ["ps", "-a", "--filter", `name=${prefix}`, "--format", "{{.Names}}"],
    {
      encoding: "utf8",
    },
  );
  const images = execFileSync(docker, ["images", "--format", "{{.Repository}}:{{.Tag}}"], {
    encoding: "utf8",
  });
  return [...ps.split("\n"), ...images.split("\n")].filter((l) => l.startsWith(prefix));
}

// Skipped without a word here: real-build.test.ts prints the one line saying what to do.
const probe = await engineReadiness();

describe.skipIf(!probe.ok)("verify cancelled part-way", () => {
  const cases: { signal: NodeJS.Signals; at: string; code: number }[] = [
    { signal: "SIGTERM", at: "building converted…", code: 143 },
    { signal: "SIGINT", at: "smoke run: original…", code: 130 },
  ];
  for (const c of cases) {
    it(`${c.signal} at "${c.at}": exit ${c.code}, nothing of the run left`, async () => {
      const tmp = childTmp();
      const args = ["verify", `${goCli}/Dockerfile`, "--context", `${goCli}/context`];
      const converted = `${root}test/e2e/converted/e2e-go-cli.Dockerfile`;
      const r = await runAndSignal([...args, "--converted", converted], {
        when: (err) => err.includes(c.at),
        signal: c.signal,
        env: tmp.env,
      });
      expect(r.signalled).toBe(true);
      expect(r.code, r.stderr).toBe(c.code);
      expect(r.stderr).toContain("interrupted: removing temporary containers and images");
      expect(leftovers(r.pid)).toEqual([]);
      expect(tmp.leftovers()).toEqual([]);
    }, 300_000);
  }
});
