import type { ContractCheck, RuntimePlan } from "../types.js";
import type { ImageConfig } from "./docker.js";
import type { StageInfo } from "./dockerfile-info.js";

type Item = ContractCheck["items"][number];

export interface CompareInput {
  original: ImageConfig;
  converted: ImageConfig;
  /** Final stage of the original Dockerfile: what it declares itself. */
  originalStage: StageInfo;
  /** Every stage of the converted file (ENV kept only in the builder counts as dropped on purpose). */
  convertedStages: StageInfo[];
  /** Env of the original's base image, to tell inherited PATH entries from declared ones. */
  baseEnv: string[] | null;
  plan: RuntimePlan | null;
}

const FIELDS: { field: keyof ImageConfig; keyword: string }[] = [
  { field: "WorkingDir", keyword: "WORKDIR" },
  { field: "User", keyword: "USER" },
  { field: "ExposedPorts", keyword: "EXPOSE" },
  { field: "Entrypoint", keyword: "ENTRYPOINT" },
  { field: "Cmd", keyword: "CMD" },
  { field: "Volumes", keyword: "VOLUME" },
  { field: "Healthcheck", keyword: "HEALTHCHECK" },
  { field: "StopSignal", keyword: "STOPSIGNAL" },
];

/** Statuses that mean the converted image does not keep the original's contract. */
export function isFailure(item: Item): boolean {
  return item.status === "differs" || item.status === "missing";
}

/**
 * Compares the runtime contract of two images. A field the original Dockerfile declares must be
 * equal, unless the plan declared the change; fields inherited from the toolchain base image are
 * expected to differ and are reported as `changed` (information, not failure).
 */
export function compareConfigs(input: CompareInput): ContractCheck {
  const { original: a, converted: b, originalStage: st, plan } = input;
  const items: Item[] = [];
  const declaredChange = (field: string) =>
    plan?.declaredChanges.find((c) => c.field.toLowerCase() === field.toLowerCase());

  items.push(...compareEnv(input));

  for (const { field, keyword } of FIELDS) {
    if (field === "ExposedPorts" || field === "Volumes") {
      items.push(
        compareSet(input, field, keyword, declaredChange(field) ?? declaredChange(keyword)),
      );
      continue;
    }
    const va = normalize(field, a[field]);
    const vb = normalize(field, b[field]);
    if (va === vb) {
      items.push({ field, status: "same", detail: va || "(unset)" });
      continue;
    }
    const detail = `${va || "(unset)"} → ${vb || "(unset)"}`;
    const change = declaredChange(field) ?? declaredChange(keyword);
    if (change) items.push({ field, status: "changed", detail: `${detail}: ${change.why}` });
    else if (!st.keywords.has(keyword))
      items.push({ field, status: "changed", detail: `${detail} (inherited from the base image)` });
    else items.push({ field, status: "differs", detail });
  }

  const la = a.Labels ?? {};
  const lb = b.Labels ?? {};
  for (const name of new Set([...Object.keys(la), ...Object.keys(lb)])) {
    const field = `Labels.${name}`;
    const detail = `${la[name] ?? "(unset)"} → ${lb[name] ?? "(unset)"}`;
    if (la[name] === lb[name]) items.push({ field, status: "same", detail: la[name] ?? "" });
    else if (declaredChange(field)) items.push({ field, status: "changed", detail });
    else if (!st.labelNames.includes(name))
      items.push({ field, status: "changed", detail: `${detail} (inherited, not declared)` });
    else if (lb[name] === undefined)
      items.push({ field, status: "missing", detail: la[name] ?? "" });
    else items.push({ field, status: "differs", detail });
  }

  return { ok: !items.some(isFailure), items };
}

/**
 * Ports and volumes are sets: every one the original has must still be there. One the converted
 * image gains from its runtime base (nginx's port 80) is information; one its file adds is not.
 */
function compareSet(
  input: CompareInput,
  field: "ExposedPorts" | "Volumes",
  keyword: string,
  change: { why: string } | undefined,
): Item {
  const ka = Object.keys(input.original[field] ?? {}).sort();
  const kb = Object.keys(input.converted[field] ?? {}).sort();
  const lost = ka.filter((k) => !kb.includes(k));
  const added = kb.filter((k) => !ka.includes(k));
  const detail = `${ka.join(" ") || "(none)"} → ${kb.join(" ") || "(none)"}`;
  if (lost.length === 0 && added.length === 0)
    return { field, status: "same", detail: ka.join(" ") || "(unset)" };
  if (change) return { field, status: "changed", detail: `${detail}: ${change.why}` };
  if (lost.length > 0 && input.originalStage.keywords.has(keyword)) {
    return { field, status: "differs", detail: `lost ${lost.join(" ")}` };
  }
  const fileAdds = field === "ExposedPorts" ? (input.convertedStages.at(-1)?.exposed ?? []) : [];
  const addedByFile = added.filter((k) => fileAdds.includes(k));
  if (addedByFile.length > 0)
    return { field, status: "differs", detail: `adds ${addedByFile.join(" ")}` };
  return { field, status: "changed", detail: `${detail} (inherited from the base image)` };
}

function compareEnv(input: CompareInput): Item[] {
  const { originalStage: st, plan } = input;
  const ea = envMap(input.original.Env);
  const eb = envMap(input.converted.Env);
  const builderEnv = new Set(input.convertedStages.slice(0, -1).flatMap((s) => s.envNames));
  const finalEnv = new Set(input.convertedStages.at(-1)?.envNames ?? []);
  const dropped = new Set([
    ...(plan?.droppedEnv ?? []),
    ...[...builderEnv].filter((n) => !finalEnv.has(n)),
  ]);
  const items: Item[] = [];
  for (const name of new Set([...ea.keys(), ...eb.keys()])) {
    const field = `Env.${name}`;
    const va = ea.get(name);
    const vb = eb.get(name);
    if (va === vb) {
      items.push({ field, status: "same", detail: va ?? "" });
      continue;
    }
    if (!st.envNames.includes(name)) {
      // GOLANG_VERSION, CARGO_HOME, the toolchain PATH…: the runtime image differs by design.
      items.push({
        field,
        status: "changed",
        detail: `${va ?? "(unset)"} → ${vb ?? "(unset)"} (inherited, not declared)`,
      });
      continue;
    }
    if (vb === undefined && dropped.has(name)) {
      items.push({ field, status: "dropped", detail: `${name}=${va} only matters to the build` });
      continue;
    }
    if (name === "PATH" && va !== undefined && vb !== undefined) {
      // A declared PATH expands the base image's PATH; only the entries the file added must survive.
      const base = new Set((envMap(input.baseEnv).get("PATH") ?? "").split(":"));
      const have = new Set(vb.split(":"));
      const lost = va.split(":").filter((p) => !base.has(p) && !have.has(p));
      items.push(
        lost.length === 0
          ? { field, status: "changed", detail: `${va} → ${vb} (declared entries kept)` }
          : { field, status: "differs", detail: `entries lost: ${lost.join(":")}` },
      );
      continue;
    }
    items.push(
      vb === undefined
        ? { field, status: "missing", detail: `${name}=${va}` }
        : { field, status: "differs", detail: `${va ?? "(unset)"} → ${vb}` },
    );
  }
  return items;
}

function envMap(env: string[] | null): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of env ?? []) {
    const eq = kv.indexOf("=");
    if (eq > 0) m.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return m;
}

/** A comparable string: key order, "" vs "/" for WorkingDir and "" vs root for User do not matter. */
function normalize(field: keyof ImageConfig, value: unknown): string {
  if (field === "WorkingDir" && (value === "" || value === "/")) return "/";
  if (field === "User" && (value === "" || value === "root" || value === "0" || value === "0:0"))
    return "root";
  if (value === null || value === undefined || value === "") return "";
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    return field === "Healthcheck" ? JSON.stringify(value, keys) : keys.join(" ");
  }
  return String(value);
}
