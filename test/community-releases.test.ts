import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  communityFile,
  crystalBase,
  datedTags,
  distroKey,
  WINDOW_DAYS,
} from "../scripts/gen-community-releases.js";
import type { OsTable } from "../src/release-table.js";
import { tagRelease } from "../src/releases.js";

const names = (JSON.parse(readFileSync("data/releases/os.json", "utf8")) as OsTable).codenames;
const DAY = 86_400_000;

describe("community release data (scripts/gen-community-releases.ts)", () => {
  it("reads a distro image reference as an OS key", () => {
    expect(distroKey("ubuntu:22.04", names)).toBe("ubuntu:jammy");
    expect(distroKey("ubuntu:focal", names)).toBe("ubuntu:focal");
    expect(distroKey("alpine:3.20", names)).toBe("alpine:3.20");
    expect(distroKey("debian:bookworm-slim", names)).toBe("debian:bookworm");
    expect(distroKey("alpine:edge", names)).toBeNull();
    expect(distroKey("i386/ubuntu:bionic", names)).toBeNull();
  });

  it("takes the Makefile's build argument over the Dockerfile's default", () => {
    const makefile =
      "BUILD_ARGS_UBUNTU64 := --build-arg crystal_targz=x $(B) --build-arg base_docker_image=ubuntu:focal\n" +
      "BUILD_ARGS32 = --build-arg base_docker_image=i386/ubuntu:bionic\n";
    const files = { "ubuntu.Dockerfile": "ARG base_docker_image\nFROM ${base_docker_image}\n" };
    expect(crystalBase(makefile, files, "ubuntu")).toBe("ubuntu:focal");
    expect(
      crystalBase("", { "ubuntu.Dockerfile": "ARG base_docker_image=ubuntu:24.04\n" }, "ubuntu"),
    ).toBe("ubuntu:24.04");
    expect(crystalBase(makefile, files, "alpine")).toBeNull();
  });

  it("dates a release by the base in effect, and leaves out one near a change of base", () => {
    const t0 = Date.parse("2024-01-12T00:00:00Z");
    const t1 = Date.parse("2024-05-29T00:00:00Z");
    const history = [
      { date: t0, day: "2024-01-12", keys: { ubuntu: "ubuntu:jammy" } },
      { date: t1, day: "2024-05-29", keys: { ubuntu: "ubuntu:noble" } },
    ];
    const tags = datedTags(
      history,
      [
        { version: "1.0.0", date: t0 - DAY }, // before any definition
        { version: "1.1.0", date: t0 + 30 * DAY },
        { version: "1.2.0", date: t1 + 2 * DAY }, // two days after the change
        { version: "1.3.0", date: t1 - (WINDOW_DAYS - 1) * DAY }, // just before it
        { version: "1.4.0", date: t1 + (WINDOW_DAYS + 1) * DAY },
      ],
      { ubuntu: ["", "-build"] },
    );
    expect([...tags.keys()].sort()).toEqual(["1.1.0", "1.1.0-build", "1.4.0", "1.4.0-build"]);
    expect(tags.get("1.1.0")).toEqual({ key: "ubuntu:jammy", lastDefined: "2024-01-12" });
    expect(tags.get("1.4.0")!.key).toBe("ubuntu:noble");
    const text = communityFile(tags);
    expect(text).toContain('"ubuntu:jammy":{\n"2024-01-12":"1.1.0,1.1.0-build"\n}');
  });

  it("answers owner/name repositories from data/releases/community", () => {
    expect(tagRelease("crystallang/crystal", "1.14.0")?.os.key).toBe("ubuntu:noble");
    expect(tagRelease("crystallang/crystal", "1.12.1-alpine")?.os.key).toBe("alpine:3.17");
    expect(tagRelease("crystallang/crystal", "1.12.2")).toBeNull(); // near a change of base
    expect(tagRelease("crystallang/crystal", "latest")).toBeNull();
    expect(tagRelease("dlang2/ldc-ubuntu", "1.26.0")?.os.key).toBe("ubuntu:bionic");
    expect(tagRelease("nimlang/nim", "1.6.12")).toBeUndefined();
  });
});
