// Front-ends built with npm/yarn/pnpm and served as static files: the static server is replaced
// by nginx serving the same folder on the same port.
import { posix } from "node:path";
import { commands as commandData, matchesCommand } from "../src/data.js";
import { entryProgram, scoreEcosystem } from "../src/artifacts.js";
import { resolvePath } from "../src/parse/shell.js";
import type { Transform, TransformContext } from "../src/transform.js";

const NODE_TOOLS = new Set(["npm", "npx", "yarn", "pnpm", "node", "corepack"]);
const DEFAULT_PORTS: Record<string, string> = {
  serve: "3000",
  "http-server": "8080",
  vite: "4173",
};

function staticServer(ctx: TransformContext) {
  const e = entryProgram(ctx);
  if (!e) return null;
  const server = commandData.staticServers.find((s) => matchesCommand(s, e.program, e.args));
  if (!server) return null;
  const own = (server.sub ?? []).length;
  const positional = e.args.filter(
    (a, i, all) =>
      !a.startsWith("-") && !/^-(p|l|a|c)$|^--(port|listen|host|config)$/.test(all[i - 1] ?? ""),
  );
  const dirWord = server.fixedDir ? server.defaultDir : (positional[own] ?? server.defaultDir);
  const portFlag = e.args.findIndex((a) => ["-p", "--port", "-l", "--listen"].includes(a));
  const name = posix.basename(server.sub?.[0] ?? e.program);
  const port =
    portFlag !== -1 ? e.args[portFlag + 1]!.replace(/^.*:/, "") : (DEFAULT_PORTS[name] ?? "80");
  const spa = !!server.spaFlag && e.args.includes(server.spaFlag);
  return {
    command: [e.program, ...e.args].join(" "),
    dir: resolvePath(ctx.facts.finalWorkdir, dirWord),
    port,
    spa,
  };
}

/** The last build step: it writes the folder that is served. */
function buildLine(ctx: TransformContext): number {
  const builds = ctx.facts.lines.filter((l) => l.role === "build" || l.role === "artifact");
  return builds[builds.length - 1]?.line ?? 0;
}

const nodeFrontend: Transform = {
  id: "node-frontend",
  describe:
    "Front-ends built with npm/yarn/pnpm and served as static files (served by nginx after)",
  detect(ctx) {
    const server = staticServer(ctx);
    if (!server) return null;
    const { score, evidence } = scoreEcosystem(ctx, "node", ["nodejs", "npm", "yarn"]);
    if (!evidence.some((e) => e.why.includes("build step"))) return null;
    evidence.push({
      rule: "static-server",
      match: server.command,
      why: "the image only serves static files",
    });
    return { ecosystem: "node-frontend", score: score + 2, evidence };
  },
  plan(ctx) {
    if ((ctx.config.policy?.frontendServer ?? "nginx") !== "nginx") {
      return {
        leave: {
          code: "policy",
          message:
            "policy.frontendServer is not nginx: the static server is kept, so nothing is converted",
        },
      };
    }
    const server = staticServer(ctx)!;
    const exposed = ctx.doc.instructions
      .filter((i) => i.keyword === "EXPOSE")
      .flatMap((i) => i.args.split(/\s+/));
    const port = exposed[0]?.replace(/\/.*$/, "") ?? server.port;
    if (!/^\d+$/.test(port))
      return {
        leave: {
          code: "artifact-unknown",
          message: `cannot tell the port the static server listens on (${port})`,
        },
      };
    const fallback = server.spa
      ? " try_files $uri $uri/ /index.html;"
      : " try_files $uri $uri/ =404;";
    const conf = `server { listen ${port}; root /usr/share/nginx/html; index index.html; location / {${fallback} } }`;
    const replaced = ctx.doc.instructions.filter(
      (i) => i.keyword === "CMD" || i.keyword === "ENTRYPOINT",
    );
    // Steps that run Node tools (installing the static server…) cannot run on nginx: builder only.
    const nodeSteps = ctx.doc.instructions.filter(
      (i) => i.keyword === "RUN" && i.commands.some((c) => NODE_TOOLS.has(c.name)),
    );
    return {
      runtimeClass: "static-site",
      runtimeWhy: "the image serves built static files: nginx serves them without Node",
      artifacts: [
        {
          from: server.dir,
          to: "/usr/share/nginx/html",
          why: `the folder \`${server.command}\` serves`,
          rule: "static-server",
          line: buildLine(ctx),
        },
      ],
      builderOnly: [...replaced, ...nodeSteps].map((i) => i.index),
      extraSteps: [`RUN printf '%s\\n' '${conf}' > /etc/nginx/conf.d/default.conf`],
      declaredChanges: [
        ...replaced.map((i) => ({
          field: i.keyword,
          from: i.args,
          to: "nginx default (nginx -g 'daemon off;')",
          why: `static server \`${server.command}\` replaced by nginx serving the same files on port ${port}`,
        })),
        {
          field: "STOPSIGNAL",
          from: "(inherited)",
          to: "SIGQUIT (nginx image)",
          why: "nginx's graceful stop signal",
        },
      ],
      evidence: [
        {
          rule: "static-server",
          match: server.command,
          why: `serves ${server.dir}${server.spa ? " as a single-page app" : ""}`,
        },
      ],
    };
  },
};
export default nodeFrontend;
