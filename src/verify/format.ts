import type { VerifyReport } from "./index.js";

export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB"];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The human report: a small original-vs-converted table, contract notes and a verdict line. */
export function formatReport(r: VerifyReport): string {
  const out: string[] = [`verify ${r.dockerfile}`];
  const o = r.original;
  const c = r.converted;
  if (o || c) {
    const size = (s: typeof o) => (s?.image ? formatBytes(s.image.size) : "-");
    const rows = [
      ["", "original", "converted"],
      ["image size", size(o), size(c)],
      ["layers", String(o?.image?.layers ?? "-"), String(c?.image?.layers ?? "-")],
      ["build seconds", o ? o.build.seconds.toFixed(1) : "-", c ? c.build.seconds.toFixed(1) : "-"],
      ["smoke", o?.smoke?.summary ?? "-", c?.smoke?.summary ?? "-"],
    ];
    out.push(table(rows));
  }
  if (r.builder)
    out.push(
      `builder stage "${r.builderStage}": built on its own in ${r.builder.seconds.toFixed(1)}s`,
    );
  if (r.contract) {
    const count = (s: string) => r.contract!.items.filter((i) => i.status === s).length;
    const info = r.contract.items.filter((i) => i.status === "dropped" || i.status === "changed");
    out.push(
      `contract: ${count("same")} same, ${count("dropped")} dropped, ${count("changed")} changed, ` +
        `${count("differs") + count("missing")} differ`,
    );
    for (const i of info) out.push(`  ${i.status} ${i.field}: ${i.detail}`);
  }
  if (r.behaviour) {
    out.push(`behaviour: ${r.behaviour.same ? "same" : "DIFFERS"} (${r.behaviour.detail})`);
    const l = r.limits;
    out.push(
      `containers (both): memory ${l.memory} (no swap), ${l.pids} processes, no new privileges`,
    );
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  for (const e of r.errors) out.push(e.startsWith("  ") ? e : `error: ${e}`);
  if (r.verdict === "verified") {
    const saved =
      r.sizeSavedBytes !== null && r.sizeSavedPercent !== null
        ? r.sizeSavedBytes >= 0
          ? `${formatBytes(r.sizeSavedBytes)} smaller (-${r.sizeSavedPercent.toFixed(1)}%)`
          : `${formatBytes(-r.sizeSavedBytes)} LARGER`
        : "";
    out.push(`verdict: verified — same behaviour, ${saved}`);
  } else if (r.verdict === "differs")
    out.push("verdict: DIFFERS — the converted image does not behave like the original");
  else out.push("verdict: could not verify");
  return out.join("\n");
}
