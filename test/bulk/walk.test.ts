import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isDockerfileName, walkDockerfiles } from "../../src/bulk/walk.js";
import { tempDir } from "../tmp.js";

function tree(files: Record<string, string>): string {
  const root = tempDir("msb-walk-");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const rel = (root: string, files: string[]) => files.map((f) => path.relative(root, f));

describe("isDockerfileName", () => {
  it.each([
    ["Dockerfile", true],
    ["Dockerfile.prod", true],
    ["api.Dockerfile", true],
    ["api.dockerfile", true],
    ["Containerfile", true],
    ["dockerfile", false],
    [".dockerfile", false],
    ["Dockerfiles", false],
    ["README.md", false],
    [".msb-tmp-Dockerfile-1234", false],
  ])("%s → %s", (name, want) => {
    expect(isDockerfileName(name)).toBe(want);
  });
});

describe("walkDockerfiles", () => {
  it("finds the usual names and skips .git and node_modules", async () => {
    const root = tree({
      Dockerfile: "",
      "a/Dockerfile.dev": "",
      "a/b/svc.Dockerfile": "",
      "c/Containerfile": "",
      "c/notes.txt": "",
      "node_modules/pkg/Dockerfile": "",
      ".git/Dockerfile": "",
    });
    const { files, errors } = await walkDockerfiles([root]);
    expect(errors).toEqual([]);
    expect(rel(root, files)).toEqual([
      "Dockerfile",
      "a/Dockerfile.dev",
      "a/b/svc.Dockerfile",
      "c/Containerfile",
    ]);
  });

  it("honours .gitignore files at every level, negations included", async () => {
    const root = tree({
      ".gitignore": "build/\n*.dev\n!y/Dockerfile.dev\n",
      Dockerfile: "",
      "build/Dockerfile": "",
      "x/Dockerfile.dev": "",
      "y/Dockerfile.dev": "",
      "svc/.gitignore": "Dockerfile.local\n",
      "svc/Dockerfile": "",
      "svc/Dockerfile.local": "",
      "other/Dockerfile.local": "",
    });
    const { files } = await walkDockerfiles([root]);
    expect(rel(root, files)).toEqual([
      "Dockerfile",
      "other/Dockerfile.local",
      "svc/Dockerfile",
      "y/Dockerfile.dev",
    ]);
    const all = await walkDockerfiles([root], { gitignore: false });
    expect(all.files).toHaveLength(7);
  });

  it("applies --exclude globs to relative paths and names", async () => {
    const root = tree({
      Dockerfile: "",
      "vendor/x/Dockerfile": "",
      "test/Dockerfile.ci": "",
      "a/Dockerfile.ci": "",
    });
    const { files } = await walkDockerfiles([root], { exclude: ["vendor/**", "Dockerfile.ci"] });
    expect(rel(root, files)).toEqual(["Dockerfile"]);
  });

  it("takes a named file as given and reports a missing path as an error", async () => {
    const root = tree({ "weird-name": "FROM x\n" });
    const { files, errors } = await walkDockerfiles([
      path.join(root, "weird-name"),
      path.join(root, "nope"),
    ]);
    expect(files).toEqual([path.join(root, "weird-name")]);
    expect(errors).toHaveLength(1);
    expect(String((errors[0]!.error as Error).message)).toMatch(/nope: no such file or directory/);
  });

  it("does not follow symbolic links", async () => {
    const root = tree({ "real/Dockerfile": "" });
    symlinkSync(path.join(root, "real"), path.join(root, "link"));
    const { files } = await walkDockerfiles([root]);
    expect(rel(root, files)).toEqual(["real/Dockerfile"]);
  });
});
