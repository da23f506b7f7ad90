// Every version of every library/* file of an official-images clone, oldest first, read with two
// git processes: one `git log` for the mainline (first-parent) history and one
// `git cat-file --batch` for all the file contents.
import { spawn, spawnSync } from "node:child_process";

export interface FileVersion {
  /** The repository name: `library/rust` → `rust`. */
  repo: string;
  commit: string;
  /** Commit date, ISO 8601 with offset. */
  date: string;
  /** The file's blob, or null when the commit deleted the file. */
  blob: string | null;
}

export interface LibraryHistory {
  head: { commit: string; date: string };
  /** In mainline order: each commit's changes as it landed on the default branch. */
  versions: FileVersion[];
  /** Blob id → file text. */
  blobs: Map<string, string>;
}

function git(dir: string, args: string[]): string {
  const r = spawnSync("git", ["-C", dir, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} in ${dir}: ${r.stderr || r.error}`);
  return r.stdout;
}

export async function readLibraryHistory(dir: string): Promise<LibraryHistory> {
  const [commit = "", date = ""] = git(dir, ["log", "-1", "--format=%H %cI"]).trim().split(" ");
  // --first-parent with -m: a merge shows what it changed on the mainline, dated when it landed.
  const log = git(dir, [
    "log",
    "--first-parent",
    "-m",
    "--reverse",
    "--raw",
    "--no-renames",
    "--no-abbrev",
    "--format=C %H %cI",
    "--",
    "library/",
  ]);
  const versions: FileVersion[] = [];
  let at = { commit: "", date: "" };
  for (const line of log.split("\n")) {
    if (line.startsWith("C ")) {
      const [, c = "", d = ""] = line.split(" ");
      at = { commit: c, date: d };
    } else if (line.startsWith(":")) {
      // :100644 100644 <old> <new> M\tlibrary/<repo>
      const [meta = "", path = ""] = line.split("\t");
      const [, , , blob = "", status = ""] = meta.split(" ");
      const repo = path.slice("library/".length);
      if (!repo || repo.includes("/")) continue;
      versions.push({ repo, ...at, blob: status === "D" ? null : blob });
    }
  }
  const ids = [...new Set(versions.flatMap((v) => (v.blob ? [v.blob] : [])))];
  return { head: { commit, date }, versions, blobs: await catBlobs(dir, ids) };
}

/** All the blobs' contents through one `git cat-file --batch`. */
async function catBlobs(dir: string, ids: string[]): Promise<Map<string, string>> {
  const child = spawn("git", ["-C", dir, "cat-file", "--batch"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`git cat-file exited ${code}`)),
    );
  });
  child.stdin.end(ids.join("\n") + "\n");
  await done;
  const out = Buffer.concat(chunks);
  const blobs = new Map<string, string>();
  let pos = 0;
  while (pos < out.length) {
    const eol = out.indexOf(10, pos);
    const [id = "", type = "", size = "0"] = out.toString("latin1", pos, eol).split(" ");
    if (type !== "blob") throw new Error(`git cat-file: ${id} is ${type || "missing"}`);
    const start = eol + 1;
    const end = start + Number(size);
    blobs.set(id, out.toString("utf8", start, end));
    pos = end + 1;
  }
  return blobs;
}
