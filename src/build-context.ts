// The build context as convert() sees it: the files a `COPY . .` would send, after .dockerignore.
// Pure: the caller lists the files and reads the few whose text matters (src/io/context.ts).
import dockerignore from "@balena/dockerignore";
import type { BuildContextInput } from "./types.js";

type Matcher = { add(patterns: string[]): Matcher; ignores(path: string): boolean };
// A CommonJS module: Node hands its module.exports (the factory) as the default export, while
// TypeScript under NodeNext types the default as the namespace: take whichever is callable.
const lib = dockerignore as unknown as (() => Matcher) | { default: () => Matcher };
const ignore: () => Matcher = typeof lib === "function" ? lib : lib.default;

export class BuildContext {
  /** Files that reach the builder (not excluded by .dockerignore). */
  private readonly kept = new Set<string>();
  /** Folders holding at least one kept file. */
  private readonly folders = new Set<string>([""]);
  private readonly contents: Record<string, string>;
  readonly dockerignore: boolean;
  private readonly ig: Matcher;

  /** The context as listed, before .dockerignore (for checks that look at what was written). */
  readonly input: BuildContextInput;

  constructor(input: BuildContextInput) {
    this.input = input;
    const ig = ignore();
    this.ig = ig;
    if (input.dockerignore) ig.add(input.dockerignore.split(/\r?\n/));
    this.dockerignore = Boolean(input.dockerignore?.trim());
    for (const raw of input.files) {
      const f = normalise(raw);
      if (!f || (this.dockerignore && ig.ignores(f))) continue;
      this.kept.add(f);
      for (let i = f.lastIndexOf("/"); i > 0; i = f.lastIndexOf("/", i - 1))
        this.folders.add(f.slice(0, i));
    }
    this.contents = input.contents ?? {};
  }

  /** Does .dockerignore exclude this path (a file, or a folder and so what it holds)? */
  ignores(path: string): boolean {
    const p = normalise(path);
    return this.dockerignore && p !== "" && this.ig.ignores(p);
  }

  /** A file that reaches the build (listed, not excluded). */
  hasFile(path: string): boolean {
    return this.kept.has(normalise(path));
  }

  /** A folder with at least one file that reaches the build. */
  hasFolder(path: string): boolean {
    return this.folders.has(normalise(path));
  }

  /** A file or a non-empty folder. */
  has(path: string): boolean {
    return this.hasFile(path) || this.hasFolder(path);
  }

  /** Files directly in a folder whose name matches a `*.ext` pattern (or a plain name). */
  filesIn(folder: string, pattern: string): string[] {
    const dir = normalise(folder);
    const re = new RegExp(
      "^" + pattern.replace(/[.+^${}()[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*") + "$",
    );
    const out: string[] = [];
    for (const f of this.kept) {
      const at = f.lastIndexOf("/");
      if ((at === -1 ? "" : f.slice(0, at)) === dir && re.test(f.slice(at + 1))) out.push(f);
    }
    return out.sort();
  }

  /** Files named `name` one folder below `folder` (`packages/<x>/package.json`), sorted. */
  childFiles(folder: string, name: string): string[] {
    const dir = normalise(folder);
    const prefix = dir ? dir + "/" : "";
    const out: string[] = [];
    for (const f of this.kept) {
      if (!f.startsWith(prefix) || !f.endsWith("/" + name)) continue;
      const middle = f.slice(prefix.length, f.length - name.length - 1);
      if (middle && !middle.includes("/")) out.push(f);
    }
    return out.sort();
  }

  /** The text of a context file, when the caller read it; undefined when not. */
  read(path: string): string | undefined {
    return this.contents[normalise(path)];
  }
}

/** `./a//b/` → `a/b`; `.` → `` (the context's root). */
export function normalise(path: string): string {
  const parts: string[] = [];
  for (const p of path.replace(/\\/g, "/").split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return parts.join("/");
}
