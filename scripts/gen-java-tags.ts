// Generate data/java-tags.json: the Java major version (and JDK or JRE) behind every tag of the
// official JVM images whose tags do not all say it (`clojure:lein-2.8.1`, `tomcat:10.1`,
// `jetty:12`), from the git history of docker-library/official-images.
//   npm run data:java-tags -- --official-images <clone or git dir> [--out data/java-tags.json]
// A tag resolves to the entry of the newest mainline version of the library file that lists it
// (its last definition, as in data/releases). The entry says its Java through a sibling tag
// (`openjdk-8-lein-2.8.1` beside `lein-2.8.1`; `10.1-jdk21-temurin-noble` beside `10.1`) or its
// Directory (`10.1/jdk21/temurin-noble`, `target/debian-bookworm-25/latest`). An entry whose words
// name two Java versions, or none, is left out: the tag's Java is then unknown. A tag still
// maintained that does not name its Java (`tomcat:9.0`) may move to another Java: it is kept only
// with the sibling that names it (`9.0=9.0-jdk25`), for the builder to be pinned to.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { readLibraryHistory, type LibraryHistory } from "./releases/history.js";
import { parseManifest, type ManifestEntry } from "./releases/manifest.js";

/** The official images read, each with how its Directory names the Java version when no word does. */
export const JAVA_REPOS: Record<string, { directory?: RegExp }> = {
  clojure: { directory: /(?:^|\/)(?:debian|ubuntu|alpine)-[a-z0-9.]+(?:-slim)?-(\d+)(?=\/|$)/ },
  tomcat: {},
  jetty: {},
};

// A word naming a JDK or JRE and its major version: jdk21, jre17, openjdk-8, temurin-17,
// eclipse-temurin-21, corretto-11, 8u181 is not read (only in words with a vendor or jdk/jre).
const JAVA_WORD =
  /(?:^|[-/])(jdk|jre|openjdk|eclipse-temurin|temurin|amazoncorretto|corretto|ibmjava|ibm-semeru|sapmachine|graalvm|liberica|zulu)-?(\d+)(?=$|[-/._u])/g;

export interface JavaOf {
  java: number;
  kind: "jdk" | "jre";
  /**
   * A tag still maintained that does not name its Java may move to another one: the sibling of
   * its definition that names it and, with that word removed, is the tag (`9.0` → `9.0-jdk25`).
   */
  pin?: string;
}

/** The tag without the words naming its Java (`9.0-jdk25-temurin` → `9.0-temurin`). */
function withoutJava(tag: string): string {
  return tag
    .toLowerCase()
    .replace(JAVA_WORD, "")
    .replace(/^-+|-+$/g, "")
    .replace(/--+/g, "-");
}

/** What an entry says of its Java: one major version (and JDK/JRE), or null. */
export function entryJava(entry: ManifestEntry, repo: string): JavaOf | null {
  const majors = new Set<number>();
  let jre = false;
  for (const text of [...entry.tags, entry.directory]) {
    for (const m of text.toLowerCase().matchAll(JAVA_WORD)) {
      majors.add(Number(m[2]));
      if (m[1] === "jre") jre = true;
    }
  }
  const dir = JAVA_REPOS[repo]?.directory?.exec(entry.directory);
  if (majors.size === 0 && dir) majors.add(Number(dir[1]));
  if (majors.size !== 1) return null;
  return { java: [...majors][0]!, kind: jre ? "jre" : "jdk" };
}

/** repo → tag → the Java of its last definition (tags whose Java is unknown are absent). */
export function javaTags(
  history: LibraryHistory,
  repos: string[],
): Map<string, Map<string, JavaOf>> {
  const out = new Map<string, Map<string, JavaOf>>();
  for (const repo of repos) {
    const versions = history.versions.filter((v) => v.repo === repo);
    const seen = new Set<string>();
    const tags = new Map<string, JavaOf>();
    // Newest → oldest: the first version met that lists a tag is its last definition.
    for (let i = versions.length - 1; i >= 0; i--) {
      const blob = versions[i]!.blob;
      if (!blob) continue;
      const current = i === versions.length - 1;
      for (const entry of parseManifest(history.blobs.get(blob) ?? "")) {
        if (entry.windows) continue;
        const java = entryJava(entry, repo);
        for (const tag of entry.tags) {
          if (seen.has(tag)) continue;
          seen.add(tag);
          if (!java) continue;
          // A maintained tag that names no Java floats between Java versions: only with a pin.
          const names = new RegExp(JAVA_WORD.source).test(tag.toLowerCase());
          if (!current || names) {
            tags.set(tag, java);
            continue;
          }
          const pin = entry.tags.find(
            (s) =>
              s !== tag &&
              new RegExp(JAVA_WORD.source).test(s.toLowerCase()) &&
              withoutJava(s) === tag.toLowerCase(),
          );
          if (pin) tags.set(tag, { ...java, pin });
        }
      }
    }
    out.set(repo, tags);
  }
  return out;
}

/** One line per repository and Java: `"jdk8": "tag,tag,…"`, sorted, so diffs stay readable. */
export function javaTagsFile(
  tags: Map<string, Map<string, JavaOf>>,
  head: { commit: string; date: string },
): string {
  const lines = [`{"format":1,"officialImages":${JSON.stringify(head)},"repos":{`];
  const repos = [...tags.keys()].sort();
  repos.forEach((repo, r) => {
    const groups = new Map<string, string[]>();
    for (const [tag, j] of tags.get(repo)!) {
      const key = `${j.kind}${j.java}`;
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(j.pin ? `${tag}=${j.pin}` : tag);
    }
    const keys = [...groups.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    lines.push(`${JSON.stringify(repo)}:{`);
    keys.forEach((k, i) => {
      const list = groups.get(k)!.sort();
      lines.push(
        `${JSON.stringify(k)}:${JSON.stringify(list.join(","))}${i < keys.length - 1 ? "," : ""}`,
      );
    });
    lines.push(`}${r < repos.length - 1 ? "," : ""}`);
  });
  lines.push("}}");
  return lines.join("\n") + "\n";
}

async function main() {
  const { values } = parseArgs({
    options: {
      "official-images": { type: "string" },
      out: { type: "string", default: "data/java-tags.json" },
    },
  });
  const from = values["official-images"];
  if (!from) {
    console.error(
      "usage: npm run data:java-tags -- --official-images <clone or git dir> [--out data/java-tags.json]\n" +
        "  (git clone https://github.com/docker-library/official-images)",
    );
    process.exit(2);
  }
  const history = await readLibraryHistory(resolve(from));
  const tags = javaTags(history, Object.keys(JAVA_REPOS));
  writeFileSync(resolve(values.out!), javaTagsFile(tags, history.head));
  for (const [repo, t] of tags) console.error(`${repo}: ${t.size} tags with a known Java`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
