// The local image zoo (scripts/engine/images.txt, built by scripts/engine-setup.sh): every
// Debian-based look-alike is run once and asked which Debian release and which glibc it has. The
// release must be the one images.txt declares for it, and every tag of the line must be that same
// image and name no other release (debian:13, cc-debian13, gcc:14-trixie). The codename → glibc
// pairs observed are printed for cross-checking against release tables. Without an engine the
// checks are skipped, visibly; with CI=true or MSB_REQUIRE_ENGINE=1 that is a failure.
import { chmodSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Docker, firstLine, resolveDockerPath } from "../../src/verify/docker.js";
import { tempDir } from "../tmp.js";

const imagesFile = fileURLToPath(new URL("../../scripts/engine/images.txt", import.meta.url));

interface ZooImage {
  step: string;
  source: string;
  /** The Debian codename images.txt declares ("-" for none). */
  release: string;
  tags: string[];
}

/** images.txt: `step source release tag...` per line; # comments and blank lines skipped. */
function readZoo(text: string): ZooImage[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [step = "", source = "", release = "", ...tags] = line.split(/\s+/);
      return { step, source, release, tags };
    });
}

interface Observed {
  codename: string;
  versionId: string;
  /** "2.41", or null when the image has no C library (distroless static). */
  glibc: string | null;
}

/** /etc/os-release, then the banner of the image's own libc.so.6 (it prints its version when run). */
const PROBE = `B=/zoo-probe/busybox
$B cat /etc/os-release
echo @@glibc
for f in /lib/*-linux-gnu/libc.so.6 /usr/lib/*-linux-gnu/libc.so.6 /lib64/libc.so.6; do
  if [ -e "$f" ]; then "$f" | $B head -n 1; exit 0; fi
done
echo none`;

function parseProbe(out: string): Observed {
  const [osRelease = "", libc = ""] = out.split("@@glibc\n");
  const fields = new Map<string, string>();
  for (const m of osRelease.matchAll(/^([A-Z_]+)=("?)(.*)\2$/gm)) fields.set(m[1]!, m[3]!);
  // distroless writes no VERSION_CODENAME, only VERSION="Debian GNU/Linux 12 (bookworm)"
  const codename =
    fields.get("VERSION_CODENAME") || /\(([a-z]+)\)/.exec(fields.get("VERSION") ?? "")?.[1] || "";
  const glibc = /release version (\d+\.\d+)/.exec(libc)?.[1] ?? null;
  return { codename, versionId: fields.get("VERSION_ID") ?? "", glibc };
}

/** The releases a tag names: Debian codenames among its words, and debianNN or debian:NN numbers. */
function releasesNamed(
  tag: string,
  codenames: Set<string>,
): { codename: string[]; number: string[] } {
  const lastSlash = tag.lastIndexOf("/");
  const colon = tag.indexOf(":", lastSlash + 1);
  const repository = colon < 0 ? tag : tag.slice(0, colon);
  const words = tag.split(/[/:._-]/);
  const number = words.flatMap((w) => /^debian(\d+)$/.exec(w)?.[1] ?? []);
  if (repository === "debian" && colon >= 0) {
    const major = /^(\d+)(?:-|$)/.exec(tag.slice(colon + 1))?.[1];
    if (major) number.push(major);
  }
  return { codename: words.filter((w) => codenames.has(w)), number };
}

const zoo = readZoo(readFileSync(imagesFile, "utf8"));
const debianImages = zoo.filter((z) => z.release !== "-");

const required = process.env.CI === "true" || process.env.MSB_REQUIRE_ENGINE === "1";
const docker = new Docker(resolveDockerPath());
const probe = await docker.probe();
const skipNote = probe.ok ? "" : ` [skipped: ${probe.reason}]`;
if (!probe.ok) {
  console.warn(
    `image zoo checks ${required ? "REQUIRED but" : "skipped:"} ${probe.reason}` +
      (required ? "" : " (set MSB_REQUIRE_ENGINE=1 to make this a failure)"),
  );
}

const observed = new Map<string, Observed | Error>();
const imageIds = new Map<string, (string | null)[]>();

/** The zoo's busybox:latest is the host's static busybox on scratch: it runs in every image. */
async function copyBusybox(dir: string): Promise<void> {
  const created = await docker.run(["create", "busybox:latest"]);
  if (created.code !== 0) throw new Error(`busybox:latest: ${firstLine(created.stderr)}`);
  const id = created.stdout.trim();
  try {
    const cp = await docker.run(["cp", `${id}:/bin/busybox`, path.join(dir, "busybox")]);
    if (cp.code !== 0) throw new Error(`docker cp busybox: ${firstLine(cp.stderr)}`);
  } finally {
    await docker.run(["rm", id]);
  }
}

async function observe(image: string, busyboxDir: string): Promise<Observed> {
  const mount = `${busyboxDir}:/zoo-probe:ro`;
  const args = [
    "run",
    "--rm",
    "--network",
    "none",
    "-v",
    mount,
    "--entrypoint",
    "/zoo-probe/busybox",
  ];
  const r = await docker.run([...args, image, "sh", "-c", PROBE], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${image}: exit ${r.code}: ${firstLine(r.stderr)}`);
  return parseProbe(r.stdout);
}

/** The image id each tag resolves to (null: no such tag). */
async function idsOf(tags: string[]): Promise<(string | null)[]> {
  return Promise.all(
    tags.map(async (t) => {
      const r = await docker.run(["image", "inspect", "--format", "{{.Id}}", t]);
      return r.code === 0 ? r.stdout.trim() : null;
    }),
  );
}

describe("the local image zoo (scripts/engine/images.txt)", () => {
  let busyboxDir = "";
  beforeAll(async () => {
    if (!probe.ok) return;
    busyboxDir = tempDir("msb-zoo-");
    chmodSync(busyboxDir, 0o755); // :nonroot images run the probe as uid 65532
    await copyBusybox(busyboxDir);
    const limit = pLimit(4);
    await Promise.all(
      debianImages.map((z) =>
        limit(async () => {
          imageIds.set(z.step, await idsOf(z.tags));
          observed.set(z.step, await observe(z.tags[0]!, busyboxDir).catch((e: Error) => e));
        }),
      ),
    );
  }, 600_000);
  afterAll(() => {
    if (busyboxDir) rmSync(busyboxDir, { recursive: true, force: true });
  });

  it("reads a release and a glibc from what an image prints", () => {
    const debian =
      'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_ID="13"\nVERSION_CODENAME=trixie\n';
    const libc = "GNU C Library (Debian GLIBC 2.41-12) stable release version 2.41.\n";
    expect(parseProbe(`${debian}@@glibc\n${libc}`)).toEqual({
      codename: "trixie",
      versionId: "13",
      glibc: "2.41",
    });
    const distroless =
      'PRETTY_NAME="Distroless"\nVERSION_ID="12"\nVERSION="Debian GNU/Linux 12 (bookworm)"\n';
    expect(parseProbe(`${distroless}@@glibc\nnone\n`)).toEqual({
      codename: "bookworm",
      versionId: "12",
      glibc: null,
    });
  });

  it("finds the releases a tag names", () => {
    const codenames = new Set(["bookworm", "trixie"]);
    expect(releasesNamed("gcc:14-trixie", codenames)).toEqual({ codename: ["trixie"], number: [] });
    expect(releasesNamed("debian:13-slim", codenames)).toEqual({ codename: [], number: ["13"] });
    expect(releasesNamed("gcr.io/distroless/cc-debian12:nonroot", codenames)).toEqual({
      codename: [],
      number: ["12"],
    });
    expect(
      releasesNamed("hexpm/elixir:1.14.0-erlang-25.2.3-debian-bookworm-20230612", codenames),
    ).toEqual({
      codename: ["bookworm"],
      number: [],
    });
    expect(releasesNamed("debian:stable-slim", codenames)).toEqual({ codename: [], number: [] });
    expect(releasesNamed("gcc:14", codenames)).toEqual({ codename: [], number: [] });
  });

  it.runIf(required)("a container engine answers (CI=true or MSB_REQUIRE_ENGINE=1)", () => {
    expect(probe.ok, probe.ok ? "" : probe.reason).toBe(true);
  });

  it("lists Debian 12 and 13 images, each with a release and tags", () => {
    expect(debianImages.map((z) => z.release)).toEqual(
      expect.arrayContaining(["bookworm", "trixie"]),
    );
    for (const z of zoo) expect(z.tags.length, z.step).toBeGreaterThan(0);
    expect(new Set(zoo.map((z) => z.step)).size).toBe(zoo.length);
  });

  for (const z of debianImages) {
    it.skipIf(!probe.ok)(
      `${z.step}: ${z.tags[0]} is ${z.release}, and so are its tags${skipNote}`,
      () => {
        const ids = imageIds.get(z.step) ?? [];
        expect(ids[0], `${z.tags[0]} is missing (run scripts/engine-setup.sh)`).toBeTruthy();
        z.tags.forEach((t, i) =>
          expect(ids[i], `${t} is not the image ${z.tags[0]} (run scripts/engine-setup.sh)`).toBe(
            ids[0],
          ),
        );
        const seen = observed.get(z.step);
        if (seen instanceof Error || !seen) throw seen ?? new Error(`${z.step}: not observed`);
        expect(seen.codename, `${z.tags[0]}: release in /etc/os-release`).toBe(z.release);
        // every codename the zoo holds is a name a tag could use wrongly (gcc:14-bookworm on trixie)
        const codenames = new Set(debianImages.map((d) => d.release));
        for (const tag of z.tags) {
          const named = releasesNamed(tag, codenames);
          for (const c of named.codename) expect(c, `${tag} names ${c}`).toBe(seen.codename);
          for (const n of named.number) expect(n, `${tag} names Debian ${n}`).toBe(seen.versionId);
        }
      },
    );
  }

  it.skipIf(!probe.ok)(`one glibc per release, newer with each release${skipNote}`, () => {
    const byRelease = new Map<string, { versionId: string; glibc: Set<string> }>();
    for (const seen of observed.values()) {
      if (seen instanceof Error) continue;
      const entry = byRelease.get(seen.codename) ?? { versionId: seen.versionId, glibc: new Set() };
      if (seen.glibc) entry.glibc.add(seen.glibc);
      byRelease.set(seen.codename, entry);
    }
    const releases = [...byRelease.entries()].sort(
      (a, b) => Number(a[1].versionId) - Number(b[1].versionId),
    );
    const pairs: Record<string, string> = {};
    for (const [codename, { glibc }] of releases) {
      expect([...glibc], `${codename}: every image has the same glibc`).toHaveLength(1);
      pairs[codename] = [...glibc][0]!;
    }
    const versions = Object.values(pairs).map((v) => v.split(".").map(Number) as [number, number]);
    for (let i = 1; i < versions.length; i++) {
      const [a, b] = [versions[i - 1]!, versions[i]!];
      expect(b[0] * 1000 + b[1], `${Object.keys(pairs)[i]}'s glibc is newer`).toBeGreaterThan(
        a[0] * 1000 + a[1],
      );
    }
    console.log(`zoo: observed glibc by Debian release ${JSON.stringify(pairs)}`);
    console.log(
      debianImages
        .map((z) => {
          const s = observed.get(z.step);
          const what =
            s instanceof Error || !s
              ? "not observed"
              : `${s.codename} ${s.versionId} glibc ${s.glibc ?? "none"}`;
          return `  ${z.step.padEnd(30)} ${z.tags[0]!.padEnd(44)} ${what}`;
        })
        .join("\n"),
    );
  });
});
