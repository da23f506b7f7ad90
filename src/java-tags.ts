// The Java major version (and JDK or JRE) behind official JVM image tags that do not say it
// themselves (`clojure:lein-2.8.1` → JDK 8, `tomcat:10.1` → JDK 25): data/java-tags.json, generated
// from docker-library/official-images (npm run data:java-tags), read on first use only.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface JavaTag {
  java: number;
  kind: "jdk" | "jre";
  /** The tag is still maintained and floats: its sibling that names the Java (`9.0-jdk25`). */
  pin?: string;
}

let repos: Map<string, Map<string, JavaTag>> | null = null;
let raw: Record<string, Record<string, string>> | null = null;

function load(): Record<string, Record<string, string>> {
  if (raw) return raw;
  const file = [
    new URL("../data/java-tags.json", import.meta.url),
    new URL("../../data/java-tags.json", import.meta.url),
  ]
    .map((u) => fileURLToPath(u))
    .find((f) => existsSync(f));
  if (!file) throw new Error("data/java-tags.json not found (npm run data:java-tags)");
  const doc = JSON.parse(readFileSync(file, "utf8")) as {
    format: number;
    repos: Record<string, Record<string, string>>;
  };
  if (doc.format !== 1) throw new Error("data/java-tags.json has another layout; regenerate it");
  return (raw = doc.repos);
}

/**
 * The Java of `<repo>:<tag>` per the tag's last definition upstream. `undefined`: the repository is
 * not in the data; `null`: the tag is not, or its entry does not name one Java version.
 */
export function javaOfTag(repo: string, tag: string): JavaTag | null | undefined {
  const all = load();
  if (!(repo in all)) return undefined;
  repos ??= new Map();
  let tags = repos.get(repo);
  if (!tags) {
    tags = new Map();
    for (const [key, list] of Object.entries(all[repo]!)) {
      const m = /^(jdk|jre)(\d+)$/.exec(key);
      if (!m) continue;
      const j: JavaTag = { java: Number(m[2]), kind: m[1] as "jdk" | "jre" };
      for (const t of list.split(",")) {
        const [tag = "", pin] = t.split("=");
        tags.set(tag, pin ? { ...j, pin } : j);
      }
    }
    repos.set(repo, tags);
  }
  return tags.get(tag) ?? null;
}

/** Tags of a repository with a given Java (the runtime image search: `tomcat` jre17 tags). */
export function tagsWithJava(repo: string, java: JavaTag): string[] {
  const list = load()[repo]?.[`${java.kind}${java.java}`];
  return list ? list.split(",").map((t) => t.replace(/=.*/, "")) : [];
}
