// Secrets never reach a log line, an error, a state file or a report: everything printed or
// written by `pr` goes through redact().

const secrets = new Set<string>();

/** Registers a secret (a token) to be masked wherever it appears. Short values are ignored. */
export function addSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

/** Test hook: forget registered secrets. */
export function clearSecrets(): void {
  secrets.clear();
}

/** Masks registered secrets, credentials in URLs and well-known token shapes. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  // https://user:token@host or https://token@host → https://***@host
  out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@:]+(?::[^/\s@]*)?@/gi, "$1***@");
  out = out.replace(
    /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,})/g,
    "***",
  );
  out = out.replace(/(authorization:\s*(?:bearer|basic|token)\s+)[^\s"']+/gi, "$1***");
  return out;
}

/** One line of an error for people, redacted. */
export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return redact(
    msg
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .join(" | ") || "unknown error",
  );
}
