// Entry scripts and build scripts read from the build context (src/scripts.ts).
import { describe, expect, it } from "vitest";
import { BuildContext } from "../src/build-context.js";
import { convert } from "../src/index.js";
import { parseDocument } from "../src/parse/document.js";
import { contextSourceOf, entryScriptNeeds } from "../src/scripts.js";
import type { BuildContextInput } from "../src/types.js";

const C_APP = (cmd: string, copy = "COPY . .") =>
  `FROM gcc:12\nWORKDIR /src\n${copy}\nRUN gcc -O2 -o app main.c\nCMD ${cmd}\n`;
const ctx = (script: string, name = "run.sh"): BuildContextInput => ({
  files: ["main.c", name],
  contents: { [name]: script },
});

describe("entryScriptNeeds", () => {
  it("finds programs in loops and command substitutions, not in comments", () => {
    const needs = entryScriptNeeds(
      "#!/bin/bash\n# see `docker run` below\nfor i in $(seq 1 $(nproc)); do\n  ./app &\ndone\nwait\n",
      "run.sh",
      "/src",
    );
    expect(needs).toEqual({
      paths: [
        { path: "/bin/bash", why: "its #! line", required: true },
        { path: "/src/app", why: "run by run.sh", required: true },
      ],
      programs: ["seq", "nproc"],
      runsArguments: false,
    });
  });

  it('follows cd, exec and env, and notes exec "$@"', () => {
    const needs = entryScriptNeeds(
      'cd bin\nexec env A=1 ./server --config=/etc/app.toml\nexec "$@"\n',
      "e.sh",
      "/app",
    );
    expect(needs).toMatchObject({
      paths: [
        { path: "/app/bin/server", required: true },
        { path: "/etc/app.toml", required: false },
      ],
      runsArguments: true,
    });
  });

  it.each([
    [". ./env.sh\n./app", /sources \.\/env\.sh/],
    ['eval "$CMD"', /eval/],
    ["$APP --port 80", /named by a variable/],
    ["make app && ./app", /builds at start/],
    ["go run .", /builds at start|toolchain at start/],
  ])("leaves %j", (text, why) => {
    const needs = entryScriptNeeds(text, "run.sh", "/src");
    expect("leave" in needs && needs.leave).toMatch(why);
  });
});

describe("contextSourceOf", () => {
  const doc = parseDocument(
    "FROM debian\nWORKDIR /app\nCOPY run.sh ./\nCOPY conf conf\nCOPY scripts/start.sh /start\nCOPY . /srv\n",
  );
  const context = new BuildContext({
    files: ["run.sh", "conf/a.toml", "scripts/start.sh", "x/y.sh"],
  });
  it.each([
    ["/app/run.sh", "run.sh"],
    ["/app/conf/a.toml", "conf/a.toml"],
    ["/start", "scripts/start.sh"],
    ["/srv/x/y.sh", "x/y.sh"],
  ])("%s comes from %s", (p, file) => {
    expect(contextSourceOf(doc, context, p, 99)?.file).toBe(file);
  });
  it("a folder copy brings only what the folder holds", () => {
    expect(contextSourceOf(doc, context, "/srv/missing.sh", 99)).toBeNull();
    expect(contextSourceOf(doc, context, "/srv/missing.sh", 99, true)?.file).toBe("missing.sh");
  });
});

describe("convert with entry scripts", () => {
  it("copies the program the script runs, and the script", () => {
    const r = convert(C_APP('["sh", "run.sh"]'), {
      context: ctx('#!/bin/sh\nset -e\nexec ./app "$@"\n'),
    });
    expect(r.decision, r.reasons[0]?.message).toBe("converted");
    expect(r.plan?.artifacts.map((a) => a.from)).toEqual(["/src/run.sh", "/src/app"]);
  });

  it("leaves a script that runs what only the builder has, naming it", () => {
    const r = convert(C_APP('["./run.sh"]'), {
      context: ctx("#!/bin/sh\ngit describe --always\n./app\n"),
    });
    expect(r.decision).toBe("skipped");
    expect(r.reasons[0]?.message).toMatch(/runs git: only the builder has it/);
  });

  it("leaves a program the runtime image does not have", () => {
    const r = convert(C_APP('["./run.sh"]'), { context: ctx("spawn-fcgi -n ./app\n") });
    expect(r.reasons[0]?.message).toMatch(/runs spawn-fcgi: no build step produces it/);
  });

  it('checks the command an `exec "$@"` script is given', () => {
    const text = (cmd: string) =>
      `FROM gcc:12\nWORKDIR /src\nCOPY . .\nRUN gcc -O2 -o /usr/local/bin/app main.c\nENTRYPOINT ["/src/run.sh"]\nCMD ${cmd}\n`;
    const context = ctx('#!/bin/sh\nset -e\nexec "$@"\n');
    const ok = convert(text('["app", "--port", "80"]'), { context });
    expect(ok.decision, ok.reasons[0]?.message).toBe("converted");
    expect(ok.plan?.artifacts.map((a) => a.from)).toContain("/usr/local/bin/app");
    const git = convert(text('["git", "log"]'), { context });
    expect(git.reasons[0]?.message).toMatch(/runs git: only the builder has it/);
  });

  it("does not take a context script inside the folder make fills for a build output", () => {
    const text = `FROM gcc:12\nWORKDIR /src\nCOPY . .\nRUN make\nCMD ["./run.sh"]\n`;
    const r = convert(text, { context: ctx("#!/bin/sh\nexec ./server\n") });
    expect(r.decision, r.reasons[0]?.message).toBe("converted");
    expect(r.plan?.artifacts.map((a) => a.from)).toEqual(["/src/run.sh", "/src/server"]);
  });

  it("without a context, keeps the earlier handling (the script and every output)", () => {
    const r = convert(C_APP('["./run.sh"]'));
    expect(r.decision, r.reasons[0]?.message).toBe("converted");
  });
});

describe("convert with build scripts", () => {
  const GO = `FROM golang:1.24\nWORKDIR /app\nCOPY . .\nRUN sh scripts/build.sh\nCMD ["/app/bin/server"]\n`;
  it("reads a script a RUN runs as part of the RUN", () => {
    const r = convert(GO, {
      context: {
        files: ["go.mod", "main.go", "scripts/build.sh"],
        contents: { "scripts/build.sh": "set -e\nCGO_ENABLED=0 go build -o bin/server .\n" },
      },
    });
    expect(r.decision, r.reasons[0]?.message).toBe("converted");
    expect(r.plan?.artifacts.map((a) => a.from)).toEqual(["/app/bin/server"]);
    expect(r.plan?.image).toMatch(/distroless\/static/);
  });

  it("names the script when the context is not known", () => {
    const r = convert(GO);
    expect(r.decision).toBe("unchanged");
    expect(r.reasons[0]?.message).toMatch(
      /line 4 runs scripts\/build\.sh, whose text is not known \(the build context is not known\)/,
    );
  });
});

describe("download-and-install steps (downloadInstalls)", () => {
  const C = (install: string, entry: string) =>
    `FROM gcc:12\nRUN apt-get update && apt-get install -y curl\n${install}\nWORKDIR /src\nCOPY . .\nRUN gcc -O2 -o /usr/local/bin/app main.c\nENTRYPOINT ["${entry}"]\nCMD ["app"]\n`;
  it("copies a private prefix an install script filled", () => {
    const r = convert(
      C(
        "RUN curl -fsSL https://example.com/x.tgz | tar xz -C /tmp && /tmp/x/install.sh --prefix=/opt/x",
        "/opt/x/bin/x",
      ),
    );
    expect(r.decision, r.reasons[0]?.message).toBe("converted");
    expect(r.plan?.artifacts.map((a) => a.from)).toContain("/opt/x");
  });
  it("leaves an archive unpacked into a shared folder, or one never downloaded", () => {
    const shared = convert(
      C("RUN wget -qO- https://example.com/x.tgz | tar xz -C /usr/local", "/usr/local/x/../bin/x"),
    );
    expect(shared.reasons[0]?.message).toMatch(/from a downloaded archive into \/usr\/local\//);
    const local = convert(C("COPY x.tgz /tmp/\nRUN tar xzf /tmp/x.tgz -C /opt/x", "/opt/x/x"));
    expect(local.decision).toBe("skipped");
  });
});
