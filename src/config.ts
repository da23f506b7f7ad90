// User configuration: --config FILE, or found by lilconfig from the working directory.
// YAML and zod load only when there is a config to read, to keep start-up fast.
import { readFileSync } from "node:fs";
import { lilconfig } from "lilconfig";
import type { UserConfig } from "./types.js";

async function parseYaml(text: string): Promise<unknown> {
  const { parseYaml } = await import("./yaml.js");
  return parseYaml(text);
}

export async function validateConfig(raw: unknown, source: string): Promise<UserConfig> {
  const { z } = await import("zod");
  const schema = z
    .object({
      runtimeImages: z.record(z.string(), z.string()).optional(),
      runtimePackages: z.record(z.string(), z.record(z.string(), z.string())).optional(),
      policy: z
        .object({
          frontendServer: z.enum(["nginx", "leave"]).optional(),
          minScore: z.number().int().min(0).optional(),
          pinRelease: z.boolean().optional(),
          cacheMounts: z.boolean().optional(),
        })
        .strict()
        .optional(),
    })
    .strict();
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const first = r.error.issues[0]!;
    throw new Error(
      `${source}: invalid config at ${first.path.join(".") || "(root)"}: ${first.message}`,
    );
  }
  return r.data as UserConfig;
}

export async function loadConfig(
  file?: string,
): Promise<{ config: UserConfig; source: string | null }> {
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new Error(`${file}: cannot read config: ${(error as Error).message}`);
    }
    let raw: unknown;
    try {
      raw = file.endsWith(".json") ? JSON.parse(text) : await parseYaml(text);
    } catch (error) {
      const kind = file.endsWith(".json") ? "JSON" : "YAML";
      throw new Error(
        `${file}: config is not valid ${kind}: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    return { config: await validateConfig(raw, file), source: file };
  }
  const yamlLoader = (_path: string, content: string) => parseYaml(content);
  const found = await lilconfig("msb-migrate", {
    searchPlaces: [
      "package.json",
      ".msb-migrate.yaml",
      ".msb-migrate.yml",
      ".msb-migrate.json",
      "msb-migrate.config.yaml",
    ],
    loaders: { ".yaml": yamlLoader, ".yml": yamlLoader },
    stopDir: process.cwd(),
  }).search();
  if (!found) return { config: {}, source: null };
  return { config: await validateConfig(found.config, found.filepath), source: found.filepath };
}
