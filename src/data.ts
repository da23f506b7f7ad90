// Loads the knowledge that is data (data/*.yaml), validated once at start-up.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const dataDir = fileURLToPath(new URL("../data/", import.meta.url));

function load<T>(file: string, schema: z.ZodType<T>): T {
  const raw: unknown = parseYaml(readFileSync(dataDir + file, "utf8"));
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`data/${file} is invalid: ${result.error.message}`);
  return result.data;
}

const strList = z.array(z.string());
const oneOrMany = z.union([z.string(), strList]);

const familySchema = z.object({
  family: z.string(),
  match: z.string(),
  kind: z.enum(["toolchain", "os", "runtime", "server", "distroless"]),
  ecosystem: z.string().optional(),
  distro: z.enum(["debian", "ubuntu", "alpine", "rhel", "windows", "none", "unknown"]),
  libc: z.enum(["glibc", "musl", "none", "unknown"]),
  shell: z.boolean(),
  workdir: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  path: strList.default([]),
  users: strList.default([]),
  cmd: strList.optional(),
  programs: strList.default([]),
});
export type FamilyData = z.infer<typeof familySchema>;

const imagesSchema = z.object({
  standardPath: strList,
  defaultCodename: z.string(),
  debianVersions: z.record(z.string(), z.string()),
  families: z.array(familySchema),
  distroUsers: z.record(z.string(), strList),
  shellPrograms: strList,
  alpinePrograms: strList,
  runtimeImages: z.record(z.string(), z.record(z.string(), z.string())),
});

const counterpart = z.union([z.string(), z.record(z.string(), z.string())]);
const packagesSchema = z.object({
  managers: z.record(
    z.string(),
    z.object({ install: strList, remove: strList, family: z.string() }),
  ),
  buildOnly: z.record(z.string(), strList),
  downloadTools: strList,
  headersOnly: strList,
  devSuffix: z.record(z.string(), z.string()),
  runtimeCounterparts: z.record(z.string(), z.record(z.string(), counterpart)),
  builderOnlyEnv: strList,
});

const ruleSchema = z.object({
  id: z.string(),
  program: oneOrMany,
  sub: strList.optional(),
  role: z.enum(["build", "dependency", "artifact", "toolchain"]),
  ecosystem: z.string().optional(),
  score: z.number(),
  atRuntime: z.boolean().optional(),
});
export type CommandRule = z.infer<typeof ruleSchema>;
const matcherSchema = z.object({ program: oneOrMany, sub: strList.optional() });
const commandsSchema = z.object({
  rules: z.array(ruleSchema),
  toolchainAtRuntime: z.array(matcherSchema),
  staticServers: z.array(
    matcherSchema.extend({
      defaultDir: z.string(),
      spaFlag: z.string().optional(),
      fixedDir: z.boolean().optional(),
    }),
  ),
});
export type StaticServer = z.infer<typeof commandsSchema>["staticServers"][number];

export const images = load("images.yaml", imagesSchema);
export const packages = load("packages.yaml", packagesSchema);
export const commands = load("commands.yaml", commandsSchema);

const familyRegexes = images.families.map((f) => ({ family: f, re: new RegExp(f.match) }));

/** Strip docker.io/ and library/ so `docker.io/library/golang` and `golang` are one family. */
export function normaliseRepo(name: string): string {
  return name.replace(/^(docker\.io\/|index\.docker\.io\/)/, "").replace(/^library\//, "");
}

export function familyOf(name: string): FamilyData | null {
  const repo = normaliseRepo(name);
  return familyRegexes.find((f) => f.re.test(repo))?.family ?? null;
}

/** Does a command (program + words) match a matcher of the data files? */
export function matchesCommand(
  m: { program: string | string[]; sub?: string[] | undefined },
  program: string,
  words: string[],
): boolean {
  const programs = Array.isArray(m.program) ? m.program : [m.program];
  const base = program.replace(/^.*\/(?=[^/]+$)/, "");
  if (!programs.includes(program) && !programs.includes(base)) return false;
  if (!m.sub) return true;
  const positional = words.filter((w) => !w.startsWith("-"));
  return m.sub.every((s, i) => {
    const w = positional[i];
    if (w === undefined) return false;
    if (s === "*") return true;
    if (s.endsWith("*")) return w.startsWith(s.slice(0, -1));
    return w === s;
  });
}
