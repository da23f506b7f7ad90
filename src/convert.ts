import type { ConvertOptions, ConvertResult } from "./types.js";

/** Placeholder until the engine lands: leaves every file alone. */
export function convert(text: string, _options: ConvertOptions = {}): ConvertResult {
  return {
    decision: "unchanged",
    reasons: [{ code: "unsupported", message: "engine not implemented yet" }],
    output: text,
    patch: "",
    ecosystem: null,
    detections: [],
    facts: null,
    plan: null,
    contract: null,
    explanation: [],
    stages: [],
  };
}
