// Cache order (issue 14): dependency steps before the sources, only when safe, always explained.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BuildContext } from "../src/build-context.js";
import { convert } from "../src/index.js";
import { contextFor, readBuildContext } from "../src/io/context.js";
import type { BuildContextInput, ConvertResult } from "../src/types.js";
import { preserved } from "./fuzz/properties.js";
import { corpusDir, fixtureCases } from "./helpers.js";

const NODE = (run: string, between = "") =>
  `FROM node:20-bookworm\nWORKDIR /app\nCOPY . .\n${between}${run}\nCMD ["node", "dist/main.js"]\n`;
// Workspaces: node_modules links to the members' folders, so only a runtime stage that takes the
// whole project folder (npm start) is made.
const NODE_START = (run: string) =>
  `FROM node:20-bookworm\nWORKDIR /app\nCOPY . .\n${run}\nCMD ["npm", "start"]\n`;
const pkg = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: "a", version: "1.0.0", scripts: { build: "tsc" }, ...extra });
const nodeContext = (over: Partial<BuildContextInput> = {}): BuildContextInput => ({
  files: ["package.json", "package-lock.json", "src/main.ts", ".npmrc"],
  contents: { "package.json": pkg() },
  ...over,
});

function order(r: ConvertResult) {
  expect(r.decision, r.reasons[0]?.message).toBe("converted");
  return r.plan?.cacheOrder;
}

/** Every moved, split or added line of the cache order has its own explanation line. */
function explained(r: ConvertResult): void {
  const texts = r.explanation.filter((e) => e.rule === "cache-order").map((e) => e.text);
  for (const st of r.plan?.cacheOrder?.steps ?? []) {
    for (const a of st.added) expect(texts.some((t) => t.includes(a))).toBe(true);
    if (st.moves) expect(texts.some((t) => / moved after line /.test(t))).toBe(true);
    if (st.split?.rest) expect(texts.some((t) => t.includes("split after"))).toBe(true);
    if (st.after) expect(texts.some((t) => t.includes(st.after!))).toBe(true);
    if (st.addedRun) expect(texts.some((t) => t.includes(st.addedRun!))).toBe(true);
  }
}

describe("cache order", () => {
  it("copies the manifests first, splits a plain && chain, and keeps every other byte", () => {
    const input = NODE("RUN npm ci && npm run build");
    const r = convert(input, { context: nodeContext() });
    const o = order(r)!;
    expect(o.steps).toHaveLength(1);
    expect(o.steps[0]!.manifests).toEqual(["package.json", "package-lock.json", ".npmrc"]);
    expect(r.output).toContain(
      "COPY package.json package-lock.json .npmrc ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
    );
    expect(preserved(input, r)).toBeNull();
    explained(r);
    // A second run changes nothing.
    const again = convert(r.output, { context: nodeContext() });
    expect(again.decision).not.toBe("converted");
    expect(again.output).toBe(r.output);
  });

  it("copies only manifests that reach the build (.dockerignore, missing lock file)", () => {
    const r = convert(NODE("RUN npm ci\nRUN npm run build"), {
      context: nodeContext({ dockerignore: ".npmrc\n# comment\n" }),
    });
    expect(order(r)!.steps[0]!.manifests).toEqual(["package.json", "package-lock.json"]);
    const missing = convert(NODE("RUN npm ci\nRUN npm run build"), {
      context: nodeContext({ dockerignore: "package.json\n" }),
    });
    const kept = order(missing)!;
    expect(kept.steps).toHaveLength(0);
    expect(kept.kept[0]!.code).toBe("manifest-missing");
    expect(kept.kept[0]!.why).toMatch(/\.dockerignore excludes it/);
  });

  it("keeps the order, and says why, when it is not safe", () => {
    const cases: [string, BuildContextInput, string, string?][] = [
      ["RUN npm ci && npm run build", nodeContext({ contents: {} }), "manifest-unread"],
      [
        "RUN npm ci && npm run build",
        nodeContext({ contents: { "package.json": pkg({ scripts: { prepare: "tsc" } }) } }),
        "install-script",
      ],
      [
        "RUN npm ci && npm run build",
        nodeContext({
          files: ["package.json", "packages/cli/package.json"],
          contents: {
            "package.json": pkg({ workspaces: ["packages/*"] }),
            "packages/cli/package.json": JSON.stringify({ name: "cli", bin: { c: "c.js" } }),
          },
        }),
        "reads-sources",
      ],
      [
        "RUN npm ci && npm run build",
        nodeContext({ contents: { "package.json": pkg({ workspaces: ["apps/web"] }) } }),
        "manifest-missing",
      ],
      [
        "RUN npm ci && npm run build",
        nodeContext({ contents: { "package.json": pkg({ dependencies: { x: "file:../x" } }) } }),
        "reads-sources",
      ],
      [
        "RUN npm ci && npm run build",
        nodeContext({ files: ["package.json", "node_modules/x/index.js"] }),
        "outputs-in-context",
      ],
      [
        "RUN npm ci && npm run build",
        nodeContext({
          contents: { "package.json": pkg({ pnpm: { patchedDependencies: { x: "p.patch" } } }) },
        }),
        "reads-sources",
      ],
      ["RUN npm ci || true && npm run build", nodeContext(), "shape"],
      ["RUN npm ci; npm run build", nodeContext(), "shape"],
      ["RUN cd /app && npm ci && npm run build", nodeContext(), "shape"],
      ["RUN npm ci\nRUN npm run build", nodeContext(), "lines-between", "COPY x.conf /etc/x\n"],
      ["RUN npm ci\nRUN npm run build", nodeContext(), "lines-between", "RUN ./gen.sh\n"],
    ];
    for (const [run, context, code, between] of cases) {
      const workspaces = context.contents?.["package.json"]?.includes('"workspaces"');
      const input = workspaces ? NODE_START(run) : NODE(run, between);
      const r = convert(input, { context });
      const o = order(r)!;
      expect(o.steps, `${run} ${code}`).toHaveLength(0);
      expect(o.kept[0]?.code, `${run}: ${o.kept[0]?.why}`).toBe(code);
      expect(r.explanation.some((e) => e.rule === "cache-order-kept")).toBe(true);
      expect(r.output).toContain(`COPY . .\n${between ?? ""}${run}\n`);
    }
  });

  it("npm workspaces: each member's package.json comes first too, in its own folder", () => {
    const input = NODE_START("RUN npm ci && npm run build");
    const r = convert(input, {
      context: {
        files: [
          "package.json",
          "package-lock.json",
          "packages/a/package.json",
          "packages/b/package.json",
          "packages/b/index.js",
          "tools/gen/package.json",
        ],
        contents: {
          "package.json": pkg({
            workspaces: ["packages/*", "./tools/gen"],
            scripts: { build: "tsc", start: "node dist/main.js" },
          }),
          "packages/a/package.json": JSON.stringify({ name: "a", dependencies: { b: "*" } }),
          "packages/b/package.json": JSON.stringify({ name: "b" }),
          "tools/gen/package.json": JSON.stringify({ name: "gen" }),
        },
      },
    });
    expect(r.output).toContain(
      [
        "COPY package.json package-lock.json ./",
        "COPY packages/a/package.json /app/packages/a/",
        "COPY packages/b/package.json /app/packages/b/",
        "COPY tools/gen/package.json /app/tools/gen/",
        "RUN npm ci",
        "COPY . .",
        "RUN npm run build",
      ].join("\n"),
    );
    expect(preserved(input, r)).toBeNull();
    explained(r);
  });

  it("without a context keeps the order and says the context is not known", () => {
    const r = convert(NODE("RUN npm ci && npm run build"));
    expect(order(r)!.kept[0]!.code).toBe("context-unknown");
    const stdin = convert(NODE("RUN npm ci && npm run build"), {
      context: { unknown: "the Dockerfile comes from standard input (give --context DIR)" },
    });
    expect(order(stdin)!.kept[0]!.why).toMatch(/standard input/);
  });

  it("moves past package installs and metadata, not past steps that may read the sources", () => {
    const input = [
      "FROM python:3.12-bookworm",
      "WORKDIR /srv",
      "COPY . /srv",
      "ENV PYTHONDONTWRITEBYTECODE=1",
      "RUN pip install -U pip wheel",
      "RUN pip install -r requirements/prod.txt",
      'CMD ["python", "app.py"]',
      "",
    ].join("\n");
    const context: BuildContextInput = {
      files: ["app.py", "requirements/prod.txt", "requirements/base.txt"],
      contents: {
        "requirements/prod.txt": "-r base.txt\ngunicorn==22.0\n",
        "requirements/base.txt": "flask==3.0.0  # web\n",
      },
    };
    const r = convert(input, { context });
    const st = order(r)!.steps[0]!;
    // The included requirement file comes along, in its own folder.
    expect(st.manifests).toEqual(["requirements/prod.txt", "requirements/base.txt"]);
    expect(r.output).toContain(
      "COPY requirements/prod.txt requirements/base.txt /srv/requirements/\n",
    );
    expect(r.output).toMatch(
      /RUN pip install -r requirements\/prod\.txt\nCOPY \. \/srv\n\nFROM python/,
    );
    // One install, into the virtualenv made just before it.
    expect(r.output.match(/pip install -r/g)).toHaveLength(1);
    expect(r.output).toContain(
      'RUN python -m venv /opt/venv\nENV PATH="/opt/venv/bin:$PATH"\nRUN pip install -r',
    );
    expect(preserved(input, r)).toBeNull();
    explained(r);
    const editable = convert(input, {
      context: { ...context, contents: { ...context.contents, "requirements/base.txt": "-e .\n" } },
    });
    expect(order(editable)!.kept[0]!.code).toBe("reads-sources");
  });

  it("adds BuildKit cache mounts only when the policy asks", () => {
    const input = NODE("RUN npm ci && npm run build");
    const plain = convert(input, { context: nodeContext() });
    expect(plain.output).not.toContain("--mount");
    const r = convert(input, {
      context: nodeContext(),
      config: { policy: { cacheMounts: true } },
    });
    expect(r.output).toContain("RUN --mount=type=cache,target=/root/.npm npm ci\n");
    expect(r.explanation.some((e) => e.rule === "cache-mount")).toBe(true);
  });

  it("Composer: install without scripts and autoloader, then dump it after the sources", () => {
    const input = [
      "FROM php:8.2-cli-bookworm",
      "RUN apt-get update && apt-get install -y composer",
      "WORKDIR /app",
      "COPY . .",
      "RUN composer install --no-dev -o",
      'CMD ["php", "app.php"]',
      "",
    ].join("\n");
    const json = (o: object) =>
      JSON.stringify({ autoload: { "psr-4": { "App\\": "src/" } }, ...o });
    const context = (o: object = {}): BuildContextInput => ({
      files: ["composer.json", "composer.lock", "app.php", "src/A.php"],
      contents: { "composer.json": json(o) },
    });
    const r = convert(input, { context: context() });
    expect(r.output).toContain(
      "COPY composer.json composer.lock ./\nRUN composer install --no-dev -o --no-scripts --no-autoloader\nCOPY . .\nRUN composer dump-autoload --no-dev --optimize\n",
    );
    explained(r);
    const hooks = convert(input, { context: context({ scripts: { "post-install-cmd": "x" } }) });
    expect(order(hooks)!.kept[0]!.code).toBe("install-script");
  });

  it("Go: a local replace keeps the order; go.sum comes along", () => {
    const input = [
      "FROM golang:1.22-bookworm",
      "WORKDIR /src",
      "COPY . .",
      "RUN go mod download && CGO_ENABLED=0 go build -o /bin/app .",
      'CMD ["/bin/app"]',
      "",
    ].join("\n");
    const ctx = (mod: string): BuildContextInput => ({
      files: ["go.mod", "go.sum", "main.go"],
      contents: { "go.mod": mod },
    });
    const r = convert(input, { context: ctx("module a\n\ngo 1.22\n") });
    expect(r.output).toContain(
      "COPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /bin/app .\n",
    );
    const replaced = convert(input, { context: ctx("module a\nreplace b => ../b\n") });
    expect(order(replaced)!.kept[0]!.code).toBe("reads-sources");
  });
});

describe("builds that fetch their dependencies themselves", () => {
  const GO = [
    "FROM golang:1.22-bookworm",
    "WORKDIR /src",
    "COPY . .",
    "RUN CGO_ENABLED=0 go build -o /bin/app .",
    'CMD ["/bin/app"]',
    "",
  ].join("\n");
  const ctx = (mod: string, files = ["go.mod", "go.sum", "main.go"]): BuildContextInput => ({
    files,
    contents: { "go.mod": mod },
  });

  it("Go: go.mod and go.sum, then an added go mod download, before the sources", () => {
    const r = convert(GO, { context: ctx("module a\n\ngo 1.22\n\nrequire b v1.0.0\n") });
    expect(r.output).toContain(
      "COPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build",
    );
    expect(preserved(GO, r)).toBeNull();
    explained(r);
  });

  it("Go: nothing added without requirements, with vendored modules, or without a context", () => {
    for (const c of [
      ctx("module a\n\ngo 1.22\n"),
      ctx("module a\nrequire b v1\n", ["go.mod", "vendor/modules.txt", "main.go"]),
      undefined,
    ]) {
      const r = convert(GO, c ? { context: c } : {});
      expect(r.decision).toBe("converted");
      expect(r.output).not.toContain("go mod download");
      expect(r.plan?.cacheOrder?.steps ?? []).toHaveLength(0);
    }
    // A download earlier in the file already caches the modules.
    const early = GO.replace("COPY . .", "COPY go.mod ./\nRUN go mod download\nCOPY . .");
    const r = convert(early, { context: ctx("module a\nrequire b v1\n") });
    expect(r.plan?.cacheOrder).toBeUndefined();
  });

  it("Maven: pom.xml, then mvn dependency:go-offline with the build's batch flag", () => {
    const input = [
      "FROM maven:3.9-eclipse-temurin-17",
      "WORKDIR /build",
      "COPY . .",
      "RUN mvn -B -DskipTests package",
      'CMD ["java", "-jar", "target/app.jar"]',
      "",
    ].join("\n");
    const pom = (body: string): BuildContextInput => ({
      files: ["pom.xml", "src/main/java/A.java"],
      contents: { "pom.xml": `<project>${body}</project>` },
    });
    const r = convert(input, { context: pom("<artifactId>app</artifactId>") });
    expect(r.output).toContain(
      "COPY pom.xml ./\nRUN mvn -B dependency:go-offline\nCOPY . .\nRUN mvn -B -DskipTests package\n",
    );
    explained(r);
    const modules = convert(input, { context: pom("<modules><module>a</module></modules>") });
    expect(modules.plan?.cacheOrder?.kept[0]?.code).toBe("reads-sources");
  });

  const RUST = (run: string, bin = "./target/release/a") =>
    `FROM rust:1.85\nWORKDIR /src\nCOPY . .\n${run}\nCMD ["${bin}"]\n`;
  const crate = (
    toml = '[package]\nname = "a"\nversion = "0.1.0"\n',
    files = ["src/main.rs"],
  ): BuildContextInput => ({
    files: ["Cargo.toml", "Cargo.lock", ...files],
    contents: { "Cargo.toml": toml },
  });

  it("Cargo: manifests, a placeholder build of the dependencies, the sources, a touched build", () => {
    const input = RUST(
      "RUN cargo build --release --locked --target x86_64-unknown-linux-gnu -j 2",
      "./target/x86_64-unknown-linux-gnu/release/a",
    );
    const r = convert(input, { context: crate() });
    expect(r.output).toContain(
      [
        "COPY Cargo.toml Cargo.lock ./",
        "RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release --locked --target x86_64-unknown-linux-gnu && rm -rf src",
        "COPY . .",
        "RUN touch src/main.rs && cargo build --release --locked --target x86_64-unknown-linux-gnu -j 2",
      ].join("\n"),
    );
    explained(r);
    expect(r.explanation.some((e) => /line 4 becomes .*touch src\/main\.rs/.test(e.text))).toBe(
      true,
    );
    expect(preserved(input, r)).toBeNull();
    // A library and a program: both placeholders, both touched.
    const both = convert(RUST("RUN cargo build --release"), {
      context: crate(undefined, ["src/main.rs", "src/lib.rs"]),
    });
    expect(both.output).toContain(
      "RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs && cargo build --release && rm -rf src\nCOPY . .\nRUN touch src/main.rs src/lib.rs && cargo build --release\n",
    );
  });

  it("Cargo: keeps the order, and says why, for anything the placeholders would not build", () => {
    const kept = (input: string, ctx: BuildContextInput) => {
      const o = order(convert(input, { context: ctx }))!;
      expect(o.steps).toEqual([]);
      return o.kept[0]!;
    };
    const build = RUST("RUN cargo build --release");
    const pkgToml = '[package]\nname = "a"\n';
    expect(kept(build, crate("[workspace]\nmembers = ['a']\n")).code).toBe("reads-sources");
    expect(kept(build, crate('[package]\nname = "a"\nbuild = "gen.rs"\n')).code).toBe(
      "reads-sources",
    );
    expect(kept(build, crate(pkgToml + '[[bin]]\nname = "b"\n')).why).toContain("[[bin]]");
    expect(kept(build, crate(pkgToml + '[dependencies]\nb = { path = "b" }\n')).code).toBe(
      "reads-sources",
    );
    expect(kept(build, crate(pkgToml, ["src/main.rs", "build.rs"])).code).toBe("not-known-file");
    expect(kept(build, crate(pkgToml, ["src/main.rs", "src/bin/x.rs"])).code).toBe(
      "not-known-file",
    );
    expect(kept(build, crate(pkgToml, ["src/main.rs", "target/release/a"])).code).toBe(
      "outputs-in-context",
    );
    expect(kept(build, crate(pkgToml, ["main.rs"])).code).toBe("manifest-missing");
    expect(kept(RUST("RUN cargo build --release -p a"), crate()).code).toBe("options");
    expect(kept(RUST('RUN RUSTFLAGS="-C opt-level=2" cargo build --release'), crate()).code).toBe(
      "options",
    );
    expect(kept(build, crate(pkgToml + "version.workspace = true\n")).code).toBe("reads-sources");
    // The added build would run where the copy ran, not in the build's folder.
    const workdirAfter =
      'FROM rust:1.85\nCOPY . /src/\nWORKDIR /src\nRUN cargo build --release\nCMD ["./target/release/a"]\n';
    expect(kept(workdirAfter, crate()).why).toContain("would run in another folder");
    // Tests after the build in the same RUN: the touch goes before the build.
    expect(
      convert(RUST("RUN cargo build --release && cargo test"), { context: crate() }).plan
        ?.cacheOrder?.steps,
    ).toHaveLength(1);
  });

  const GRADLE = (run: string) =>
    `FROM gradle:8.5-jdk17\nWORKDIR /app\nCOPY . .\n${run}\nCMD ["java", "-jar", "build/libs/a.jar"]\n`;
  const project = (
    extra: Record<string, string> = {},
    files: string[] = [],
  ): BuildContextInput => ({
    files: [
      "build.gradle",
      "settings.gradle",
      "src/main/java/A.java",
      ...files,
      ...Object.keys(extra),
    ],
    contents: {
      "build.gradle": "plugins { id 'java' }\n",
      "settings.gradle": "rootProject.name = 'a'\n",
      ...extra,
    },
  });

  it("Gradle: subprojects' build files come first too, and each one's report is asked for", () => {
    const multi = project({
      "settings.gradle": "rootProject.name = 'a'\ninclude 'api', ':libs:core'\n",
      "api/build.gradle": "dependencies { implementation project(':libs:core') }\n",
      "libs/core/build.gradle.kts": "plugins { java }\n",
    });
    const r = convert(GRADLE("RUN gradle build --no-daemon"), { context: multi });
    expect(r.output).toContain(
      [
        "COPY build.gradle settings.gradle ./",
        "COPY api/build.gradle /app/api/",
        "COPY libs/core/build.gradle.kts /app/libs/core/",
        "RUN gradle dependencies :api:dependencies :libs:core:dependencies --no-daemon",
        "COPY . .",
      ].join("\n"),
    );
    explained(r);
  });

  it("Gradle: build files, then gradle dependencies with the build's quiet options", () => {
    const r = convert(GRADLE("RUN gradle build --no-daemon -x test"), { context: project() });
    expect(r.output).toContain(
      "COPY build.gradle settings.gradle ./\nRUN gradle dependencies --no-daemon\nCOPY . .\nRUN gradle build --no-daemon -x test\n",
    );
    explained(r);
    const kept = (run: string, ctx: BuildContextInput) =>
      order(convert(GRADLE(run), { context: ctx }))!.kept[0]!;
    expect(kept("RUN ./gradlew build", project()).code).toBe("manifest-missing");
    expect(
      kept("RUN gradle build", project({ "settings.gradle": "includeBuild('logic')\n" })).why,
    ).toContain("includes other projects");
    expect(
      kept(
        "RUN gradle build",
        project({ "build.gradle": "dependencies { implementation project(':lib') }\n" }),
      ).why,
    ).toContain("which the settings do not include");
    expect(
      kept("RUN gradle build", project({ "build.gradle": "apply from: 'deps.gradle'\n" })).code,
    ).toBe("reads-sources");
    expect(
      kept(
        "RUN gradle build",
        project({ "build.gradle": "dependencies { implementation files('libs/a.jar') }\n" }),
      ).code,
    ).toBe("reads-sources");
    expect(kept("RUN gradle build", project({}, ["buildSrc/build.gradle"])).code).toBe(
      "not-known-file",
    );
    expect(kept("RUN gradle build -Pprofile=prod", project()).code).toBe("options");
    // Tasks that do not build the project: no step at all.
    expect(
      convert(GRADLE("RUN gradle build && gradle test"), { context: project() }).plan?.cacheOrder
        ?.steps,
    ).toHaveLength(1);
  });
});

describe("every fixture and corpus file, with a context that holds every manifest", () => {
  // Benign manifests of every ecosystem, so every dependency step after a whole copy is tried.
  const context: BuildContextInput = {
    files: [
      ...["package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "go.mod", "go.sum"],
      ...["requirements.txt", "Gemfile", "Gemfile.lock", "composer.json", "composer.lock"],
      ...["pom.xml", "Pipfile", "Pipfile.lock", "pyproject.toml", "poetry.lock", "mix.exs"],
      ...["mix.lock", "app.csproj", "shard.yml", "src/main.x"],
      ...["Cargo.toml", "Cargo.lock", "src/main.rs", "build.gradle", "settings.gradle"],
    ],
    contents: {
      "package.json": "{}",
      "go.mod": "module a\nrequire b v1.0.0\n",
      "requirements.txt": "flask\n",
      Gemfile: "gem 'rack'\n",
      "composer.json": "{}",
      "pom.xml": "<project/>",
      "app.csproj": "<Project/>",
      Pipfile: "[packages]\n",
      "pyproject.toml": "[tool.poetry]\n",
      "mix.exs": "defmodule A do end\n",
      "Cargo.toml": '[package]\nname = "a"\n',
      "build.gradle": "plugins { id 'java' }\n",
      "settings.gradle": "rootProject.name = 'a'\n",
    },
  };
  const inputs: [string, string][] = fixtureCases().map((c) => [c.name, c.input]);
  for (const set of ["open", "extra"]) {
    const index = `${corpusDir}${set}/INDEX.tsv`;
    if (!existsSync(index)) continue;
    for (const row of readFileSync(index, "utf8").trim().split("\n").slice(1)) {
      const file = row.split("\t")[0]!;
      inputs.push([`${set}/${file}`, readFileSync(`${corpusDir}${set}/${file}`, "utf8")]);
    }
  }

  it("keeps the decision, every unmoved byte, the contract and idempotence", () => {
    let steps = 0;
    const problems: string[] = [];
    for (const [name, text] of inputs) {
      const plain = convert(text, {});
      const r = convert(text, { context });
      // An entry script the context should hold but this one does not (src/scripts.ts), and a
      // leave that says the context was not known (a `poetry run` script name) are the other
      // things a context decides.
      const noScript =
        /build context has no|the image runs the script/.test(r.reasons[0]?.message ?? "") ||
        /build context is not known/.test(plain.reasons[0]?.message ?? "");
      if (r.decision !== plain.decision && !noScript) problems.push(`${name}: ${r.decision}`);
      if (r.decision !== "converted") continue;
      steps += r.plan?.cacheOrder?.steps.length ?? 0;
      const lost = preserved(text, r);
      if (lost) problems.push(`${name}: ${lost}`);
      if (!r.contract?.ok) problems.push(`${name}: contract`);
      if (convert(r.output, { context }).output !== r.output) problems.push(`${name}: idempotence`);
    }
    expect(problems).toEqual([]);
    expect(steps).toBeGreaterThanOrEqual(20);
  });
});

describe("build context", () => {
  it("follows .dockerignore as Docker does (root-anchored, exceptions)", () => {
    const c = new BuildContext({
      files: ["a.md", "README.md", "docs/x.md", "node_modules/x/i.js", "src/node_modules/y"],
      dockerignore: "*.md\n!README.md\nnode_modules\n",
    });
    expect(c.hasFile("a.md")).toBe(false);
    expect(c.hasFile("README.md")).toBe(true);
    expect(c.hasFile("docs/x.md")).toBe(true); // `*.md` matches at the root only
    expect(c.hasFolder("node_modules")).toBe(false);
    expect(c.hasFolder("src/node_modules")).toBe(true);
  });

  const dir = mkdtempSync(path.join(os.tmpdir(), "msb-ctx-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is read from a folder: <Dockerfile>.dockerignore first, ignored folders not entered", () => {
    mkdirSync(path.join(dir, "app/node_modules/x"), { recursive: true });
    writeFileSync(path.join(dir, "app/package.json"), pkg());
    writeFileSync(path.join(dir, "app/node_modules/x/index.js"), "");
    writeFileSync(path.join(dir, "app/.dockerignore"), "node_modules\n");
    writeFileSync(path.join(dir, "app/Dockerfile"), NODE("RUN npm ci && npm run build"));
    const ctx = readBuildContext(path.join(dir, "app"), path.join(dir, "app/Dockerfile"));
    expect("files" in ctx && ctx.files).toEqual([".dockerignore", "Dockerfile", "package.json"]);
    expect("contents" in ctx && ctx.contents?.["package.json"]).toBe(pkg());
    writeFileSync(path.join(dir, "app/Dockerfile.dockerignore"), "# nothing ignored\n");
    const own = readBuildContext(path.join(dir, "app"), path.join(dir, "app/Dockerfile"));
    expect("files" in own && own.files).toContain("node_modules/x/index.js");
    expect(readBuildContext(path.join(dir, "nowhere"))).toHaveProperty("unknown");
  });

  it("is read once for the Dockerfiles of one folder, unless one has its own .dockerignore", () => {
    mkdirSync(path.join(dir, "svc/node_modules/x"), { recursive: true });
    writeFileSync(path.join(dir, "svc/package.json"), pkg());
    writeFileSync(path.join(dir, "svc/node_modules/x/index.js"), "");
    writeFileSync(path.join(dir, "svc/.dockerignore"), "node_modules\n");
    for (const f of ["a.dockerfile", "b.dockerfile", "c.dockerfile"])
      writeFileSync(path.join(dir, "svc", f), NODE("RUN npm ci"));
    writeFileSync(path.join(dir, "svc/c.dockerfile.dockerignore"), "# nothing ignored\n");
    const a = contextFor(path.join(dir, "svc/a.dockerfile"), "auto");
    const b = contextFor(path.join(dir, "svc/b.dockerfile"), "auto");
    expect(b).toBe(a);
    expect(a && "files" in a && a.files).not.toContain("node_modules/x/index.js");
    const c = contextFor(path.join(dir, "svc/c.dockerfile"), "auto");
    expect(c && "files" in c && c.files).toContain("node_modules/x/index.js");
  });
});
