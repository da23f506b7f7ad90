// fast-check arbitraries: whole Dockerfiles (every instruction kind, flags, continuations,
// heredocs, comments, quoting, keyword case, line endings, BOM) and byte mutations of real files.
import fc from "fast-check";

const IMAGES = [
  "golang:1.19",
  "golang:1.21-alpine",
  "rust:1.70",
  "rust:1-slim-bookworm",
  "gcc:12",
  "node:18",
  "node:20-alpine",
  "ubuntu:22.04",
  "debian:bookworm",
  "alpine:3.18",
  "python:3.11",
  "scratch",
  "mcr.microsoft.com/windows/servercore:ltsc2019",
  "golang:${GO_VERSION}",
  "$BASE",
];

const COMMANDS = [
  "go build -o /out/app .",
  "CGO_ENABLED=0 go build -ldflags='-s -w' -o /usr/local/bin/app ./cmd/app",
  "go mod download",
  "go install ./...",
  "cargo build --release",
  "cargo install --path .",
  "make",
  "make install PREFIX=/usr/local",
  "./configure --prefix=/opt/app",
  "gcc -O2 -o /usr/local/bin/calc calc.c -lm",
  "cmake -B build && cmake --build build",
  "npm ci",
  "npm run build",
  "yarn install --frozen-lockfile",
  "apt-get update",
  "apt-get install -y --no-install-recommends build-essential libssl-dev ca-certificates",
  "apk add --no-cache gcc musl-dev",
  "rm -rf /var/lib/apt/lists/*",
  "apt-get purge -y build-essential",
  "cp target/release/app /usr/local/bin/app",
  "mv /out/app /app",
  "cd /src",
  "mkdir -p /data",
  "useradd -r app",
  "adduser -D app",
  "chmod +x /app",
  "echo \"hello 'world'\"",
  "echo 'a \"b\" c'",
  "echo $HOME ${PATH:-/bin}",
  "export X=1",
  "true",
  "cargo run",
  "go run main.go",
  "pip install -r requirements.txt",
];

const PATHS = ["/src", "/app", "/go/src/app", "/usr/src/app", "app", "C:\\app", "/out"];

export interface Style {
  eol: "\n" | "\r\n";
  bom: boolean;
  finalNewline: boolean;
  escape: "\\" | "`";
  case: "upper" | "lower" | "mixed";
}

const style: fc.Arbitrary<Style> = fc.record({
  eol: fc.constantFrom("\n" as const, "\n" as const, "\r\n" as const),
  bom: fc.nat(9).map((n) => n === 0),
  finalNewline: fc.constantFrom(true, true, true, false),
  escape: fc.constantFrom("\\" as const, "\\" as const, "\\" as const, "`" as const),
  case: fc.constantFrom("upper" as const, "upper" as const, "lower" as const, "mixed" as const),
});

/** A tiny instruction template: keyword, arguments; continuation marks are placed later. */
type Ins = { kw: string; args: string[] };

const quoted = fc.oneof(
  fc.constantFrom(...COMMANDS),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"unterminated', "'half", "[", '["/out/app"', "<<EOF", "\\", "`", "$", "#"),
);

const command = fc.array(fc.constantFrom(...COMMANDS), { minLength: 1, maxLength: 4 });

const run: fc.Arbitrary<Ins> = fc.oneof(
  // shell form with && chains (each piece may go on its own continued line)
  fc
    .tuple(
      fc.constantFrom("", "--mount=type=cache,target=/root/.cache ", "--network=none "),
      command,
    )
    .map(([flag, cmds]) => ({
      kw: "RUN",
      args: [flag + cmds[0]!, ...cmds.slice(1).map((c) => "&& " + c)],
    })),
  // exec form
  command.map((cmds) => ({
    kw: "RUN",
    args: [JSON.stringify(["/bin/sh", "-c", cmds.join(" && ")])],
  })),
  // heredoc
  fc
    .tuple(
      fc.constantFrom("EOF", "SCRIPT"),
      command,
      fc.nat(4).map((n) => n > 0), // mostly terminated
      fc.constantFrom("", "-"),
    )
    .map(([tag, cmds, closed, dash]) => ({
      kw: "RUN",
      args: [`<<${dash}${tag}`, ...cmds, ...(closed ? [tag] : [])],
      heredoc: true,
    })),
  quoted.map((q) => ({ kw: "RUN", args: ["echo " + q] })),
);

const other: fc.Arbitrary<Ins> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("", "--chown=app:app ", "--from=builder ", "--link ", "--chmod=755 "),
      fc.constantFrom(
        ". .",
        "src/ /src/",
        "go.mod go.sum ./",
        "--from=nginx:1 /etc/nginx /etc/nginx",
        '["a b", "/c/"]',
      ),
    )
    .map(([f, a]) => ({ kw: "COPY", args: [f + a] })),
  fc
    .constantFrom("app.tar.gz /opt/", "https://example.com/x /x")
    .map((a) => ({ kw: "ADD", args: [a] })),
  fc
    .constantFrom(
      "GOPATH=/go",
      "CGO_ENABLED=0 GOOS=linux",
      'MSG="hello world"',
      "LEGACY value with spaces",
      "A=1 B='two words'",
      "PATH=/out:$PATH",
    )
    .map((a) => ({ kw: "ENV", args: [a] })),
  fc
    .constantFrom("VERSION", "VERSION=1.0", "GO_VERSION=1.19")
    .map((a) => ({ kw: "ARG", args: [a] })),
  fc.constantFrom(...PATHS).map((p) => ({ kw: "WORKDIR", args: [p] })),
  fc.constantFrom("app", "1000:1000", "nobody", "root").map((u) => ({ kw: "USER", args: [u] })),
  fc.constantFrom("8080", "80/tcp 443", "$PORT").map((p) => ({ kw: "EXPOSE", args: [p] })),
  fc
    .constantFrom('org.opencontainers.image.title="x y"', "a=b c=d")
    .map((l) => ({ kw: "LABEL", args: [l] })),
  fc.constantFrom("/data", '["/data", "/logs"]').map((v) => ({ kw: "VOLUME", args: [v] })),
  fc
    .constantFrom(
      "CMD curl -f http://localhost/ || exit 1",
      "NONE",
      '--interval=5s CMD ["/out/app", "-health"]',
    )
    .map((h) => ({ kw: "HEALTHCHECK", args: [h] })),
  fc.constantFrom("SIGTERM", "9").map((s) => ({ kw: "STOPSIGNAL", args: [s] })),
  fc
    .constantFrom('["/bin/bash", "-c"]', '["powershell", "-Command"]')
    .map((s) => ({ kw: "SHELL", args: [s] })),
  fc.constantFrom("me@example.com").map((m) => ({ kw: "MAINTAINER", args: [m] })),
  fc.constantFrom("RUN make", "COPY . /src").map((o) => ({ kw: "ONBUILD", args: [o] })),
);

const entry: fc.Arbitrary<Ins> = fc.oneof(
  fc
    .constantFrom(
      '["/out/app"]',
      '["/usr/local/bin/app", "--port", "80"]',
      "/app",
      "./app serve",
      '["/out/app"',
      "[]",
      '["sh", "-c", "exec /app"]',
    )
    .chain((a) => fc.constantFrom("CMD", "ENTRYPOINT").map((kw) => ({ kw, args: [a] }))),
);

const from: fc.Arbitrary<Ins> = fc
  .tuple(
    fc.constantFrom("", "--platform=$BUILDPLATFORM "),
    fc.constantFrom(...IMAGES),
    fc.constantFrom("", "", " AS build", " as builder"),
  )
  .map(([p, img, as]) => ({ kw: "FROM", args: [p + img + as] }));

const unknown: fc.Arbitrary<Ins> = fc.constant({ kw: "FROBNICATE", args: ["x"] });

const body = fc.array(
  fc.oneof(
    { weight: 20, arbitrary: run },
    { weight: 20, arbitrary: other },
    { weight: 6, arbitrary: entry },
    { weight: 1, arbitrary: unknown },
  ),
  {
    maxLength: 12,
  },
);

const decoration = fc.constantFrom(
  "",
  "",
  "",
  "",
  "# a comment",
  "",
  "   ",
  "#comment with \\ backslash",
);

function cased(kw: string, c: Style["case"], i: number): string {
  if (c === "upper") return kw;
  if (c === "lower") return kw.toLowerCase();
  return [...kw].map((ch, j) => ((i + j) % 2 ? ch.toLowerCase() : ch)).join("");
}

/** Render instructions with a style: continuation marks, comments between lines, heredocs. */
function render(
  pre: Ins[],
  list: Ins[],
  s: Style,
  decorations: string[],
  contIndent: string[],
): string {
  const lines: string[] = [];
  if (s.escape === "`") lines.push("# escape=`");
  else if (decorations[0] === "# a comment") lines.push("# syntax=docker/dockerfile:1");
  let d = 0;
  [...pre, ...list].forEach((ins, i) => {
    const kw = cased(ins.kw, s.case, i);
    const dec = decorations[d++ % decorations.length] ?? "";
    if (dec) lines.push(dec);
    if ((ins as { heredoc?: boolean }).heredoc) {
      lines.push(`${kw} ${ins.args[0]}`, ...ins.args.slice(1));
      return;
    }
    if (ins.args.length === 1) {
      lines.push(`${kw} ${ins.args[0]}`);
      return;
    }
    ins.args.forEach((a, j) => {
      const first = j === 0;
      const last = j === ins.args.length - 1;
      const text =
        (first ? `${kw} ` : contIndent[j % contIndent.length]!) + a + (last ? "" : ` ${s.escape}`);
      lines.push(text);
      // A comment line inside a continued instruction (Docker drops it).
      if (!last && decorations[(d + j) % decorations.length] === "# a comment")
        lines.push("  # inside");
    });
  });
  const text = lines.join(s.eol) + (s.finalNewline ? s.eol : "");
  return (s.bom ? "\uFEFF" : "") + text;
}

/** A Dockerfile as text: a plausible single-stage build, often convertible, often odd. */
export const dockerfile: fc.Arbitrary<string> = fc
  .tuple(
    fc.option(fc.constantFrom("ARG GO_VERSION=1.19", "ARG BASE=golang:1.19"), { nil: undefined }),
    from,
    body,
    fc.option(entry, { nil: undefined }),
    style,
    fc.array(decoration, { minLength: 1, maxLength: 6 }),
    fc.array(fc.constantFrom("    ", "  ", "\t", ""), { minLength: 1, maxLength: 3 }),
    // A second FROM now and then (most files single-stage, as the tool expects).
    fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: from }),
  )
  .map(([arg, f, b, e, s, decs, indent, second]) => {
    const pre: Ins[] = arg ? [{ kw: "ARG", args: [arg.slice(4)] }] : [];
    const list = [f, ...b, ...(second ? [second, ...b.slice(0, 2)] : []), ...(e ? [e] : [])];
    return render(pre, list, s, decs, indent);
  });

/** A convertible Go/Rust/C build with random decoration: the converted path gets exercised. */
export const likelyConvertible: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(
      ["golang:1.19", "CGO_ENABLED=0 go build -o /out/app .", '["/out/app"]'],
      ["golang:1.21-alpine", "go build -o /usr/local/bin/app ./cmd/app", "app"],
      ["rust:1.70", "cargo build --release && cp target/release/app /usr/local/bin/app", '["app"]'],
      ["gcc:12", "gcc -O2 -o /usr/local/bin/calc calc.c -lm", '["/usr/local/bin/calc"]'],
    ),
    fc.array(other, { maxLength: 4 }),
    fc.array(other, { maxLength: 3 }),
    style,
    fc.array(decoration, { minLength: 1, maxLength: 4 }),
    fc.constantFrom("CMD", "ENTRYPOINT"),
  )
  .map(([[img, build, cmd], before, after, s, decs, ekw]) => {
    const list: Ins[] = [
      { kw: "FROM", args: [img] },
      { kw: "WORKDIR", args: ["/src"] },
      ...before.filter((i) => i.kw !== "FROBNICATE"),
      { kw: "COPY", args: [". ."] },
      { kw: "RUN", args: build.split(" && ").map((c, i) => (i ? "&& " + c : c)) },
      ...after.filter((i) => i.kw !== "FROBNICATE"),
      { kw: ekw, args: [cmd] },
    ];
    return render([], list, s, decs, ["    "]);
  });

/** Byte-level mutations of a real file: each case is (file index, edits). */
export type Mutation =
  | { op: "delete"; at: number; len: number }
  | { op: "insert"; at: number; bytes: number[] }
  | { op: "flip"; at: number; bit: number }
  | { op: "dup"; at: number; len: number }
  | { op: "truncate"; at: number };

const SPECIAL = [
  "\\\n",
  '"',
  "'",
  "[",
  "]",
  "<<EOF\n",
  "\r",
  "\n",
  "\r\n",
  "\0",
  "\uFEFF",
  "`",
  "#",
  "&& ",
  "FROM scratch\n",
  "\\",
  "$",
  "${",
  "\t",
  "é",
  "\u2028",
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant("delete" as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.oneof(
      fc.constantFrom(...SPECIAL).map((s) => [...Buffer.from(s)]),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
    ),
  }),
  fc.record({
    op: fc.constant("flip" as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    op: fc.constant("dup" as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
);

export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

export function applyMutations(input: Buffer, ms: Mutation[]): Buffer {
  let b = input;
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    switch (m.op) {
      case "delete":
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case "insert":
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case "flip":
        if (at < b.length) {
          b = Buffer.from(b);
          b[at] = b[at]! ^ (1 << m.bit);
        }
        break;
      case "dup":
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + m.len), b.subarray(at)]);
        break;
      case "truncate":
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}
