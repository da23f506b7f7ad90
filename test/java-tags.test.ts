// data/java-tags.json: its generator (scripts/gen-java-tags.ts) on synthetic library files, and
// the lookup (src/java-tags.ts) on the committed data.
import { describe, expect, it } from "vitest";
import { entryJava, javaTags, javaTagsFile } from "../scripts/gen-java-tags.js";
import type { LibraryHistory } from "../scripts/releases/history.js";
import { parseManifest } from "../scripts/releases/manifest.js";
import { javaOfTag } from "../src/java-tags.js";

const entry = (text: string) => parseManifest(text)[0]!;

describe("entryJava", () => {
  it("reads the Java from sibling tags or the Directory", () => {
    expect(
      entryJava(
        entry("Tags: 10.1.34-jdk21-temurin-noble, 10.1, 10\nDirectory: 10.1/jdk21/temurin-noble\n"),
        "tomcat",
      ),
    ).toEqual({ java: 21, kind: "jdk" });
    expect(
      entryJava(
        entry("Tags: 10.1-jre17-temurin-jammy\nDirectory: 10.1/jre17/temurin-jammy\n"),
        "tomcat",
      ),
    ).toEqual({ java: 17, kind: "jre" });
    expect(
      entryJava(
        entry("Tags: openjdk-8-lein-2.8.1, lein-2.8.1\nDirectory: target/openjdk-8/lein\n"),
        "clojure",
      ),
    ).toEqual({ java: 8, kind: "jdk" });
    // clojure's Directory names the JDK after the OS release
    expect(
      entryJava(entry("Tags: latest\nDirectory: target/debian-bookworm-25/latest\n"), "clojure"),
    ).toEqual({ java: 25, kind: "jdk" });
  });
  it("answers null for no Java or two", () => {
    expect(entryJava(entry("Tags: latest\nDirectory: 10.1\n"), "tomcat")).toBeNull();
    expect(entryJava(entry("Tags: openjdk-8-lein, openjdk-11-lein\n"), "clojure")).toBeNull();
  });
});

describe("javaTags", () => {
  const history: LibraryHistory = {
    head: { commit: "c2", date: "2026-01-02T00:00:00Z" },
    versions: [
      { repo: "clojure", commit: "c1", date: "2018-12-03T00:00:00Z", blob: "old" },
      { repo: "clojure", commit: "c2", date: "2026-01-02T00:00:00Z", blob: "new" },
      { repo: "tomcat", commit: "c2", date: "2026-01-02T00:00:00Z", blob: "tomcat" },
    ],
    blobs: new Map([
      ["old", "Tags: openjdk-8-lein-2.8.1, lein-2.8.1, lein\n"],
      [
        "new",
        "Tags: temurin-25-lein, lein\nDirectory: target/debian-bookworm-25/lein\n\nTags: latest\nDirectory: target/debian-bookworm-25/latest\n",
      ],
      [
        "tomcat",
        "Tags: 9.0.1-jdk25-temurin-noble, 9.0-jdk25, 9.0, latest\nDirectory: 9.0/jdk25/temurin-noble\n",
      ],
    ]),
  };
  const tags = javaTags(history, ["clojure", "tomcat"]);
  it("takes each tag's last definition; frozen tags need no pin", () => {
    expect(tags.get("clojure")!.get("lein-2.8.1")).toEqual({ java: 8, kind: "jdk" });
  });
  it("keeps a maintained tag that names no Java only with the sibling that names it", () => {
    // `lein` is maintained (newest version): pinned to its sibling with the Java word
    expect(tags.get("clojure")!.get("lein")).toEqual({
      java: 25,
      kind: "jdk",
      pin: "temurin-25-lein",
    });
    expect(tags.get("clojure")!.get("latest")).toBeUndefined();
    expect(tags.get("tomcat")!.get("9.0")).toEqual({ java: 25, kind: "jdk", pin: "9.0-jdk25" });
    expect(tags.get("tomcat")!.get("latest")).toBeUndefined();
    expect(javaTagsFile(tags, history.head)).toContain(
      '"jdk25":"9.0-jdk25,9.0.1-jdk25-temurin-noble,9.0=9.0-jdk25"',
    );
  });
});

describe("javaOfTag (data/java-tags.json)", () => {
  it("knows the JDK of frozen clojure tags and pins floating tomcat tags", () => {
    expect(javaOfTag("clojure", "lein-2.8.1")).toEqual({ java: 8, kind: "jdk" });
    expect(javaOfTag("tomcat", "9.0")?.pin).toMatch(/^9\.0-jdk\d+$/);
    expect(javaOfTag("tomcat", "latest")).toBeNull();
    expect(javaOfTag("golang", "1.22")).toBeUndefined();
  });
});
