// User configuration: --config FILE, or found by lilconfig from the working directory.
import { readFileSync } from "node:fs";
import { lilconfig } from "lilconfig";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { UserConfig } from "./types.js";

const schema = z
  .object({
    runtimeImages: z.record(z.string(), z.string()).optional(),
    runtimePackages: z.record(z.string(), z.record(z.string(), z.string())).optional(),
    policy: z
      .object({
        frontendServer: z.enum(["nginx", "leave"]).optional(),
        minScore: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const yamlLoader = (_path: string, content: string): unknown => parseYaml(content);

export function validateConfig(raw: unknown, source: string): UserConfig {
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
      raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      throw new Error(
        `${file}: config is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    return { config: validateConfig(raw, file), source: file };
  }
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
  return { config: validateConfig(found.config, found.filepath), source: found.filepath };
}
