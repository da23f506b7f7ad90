// Which repositories a run covers: a list file, a directory of checkouts, or an org/group.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { isCheckout } from "./git.js";
import { slugFromUrl, type Host } from "./host.js";

export interface RepoSpec {
  /** Display name: the host slug when known, else the path or URL. */
  name: string;
  /** A local checkout path or a clone URL. */
  source: string;
  kind: "checkout" | "url";
  /** owner/name or group/…/name on the host, when known. */
  slug?: string;
  /** Default branch from the host listing, when known. */
  defaultBranch?: string;
  archived?: boolean;
}

function looksLikeUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[^/@:\s]+@[^:/\s]+:/.test(s);
}

/** A working checkout is used in place; anything else (URL, bare repository) is cloned. */
export function sourceKind(source: string): "checkout" | "url" {
  return !looksLikeUrl(source) && isCheckout(source) ? "checkout" : "url";
}

/**
 * Parses a repos file: one repository a line, `#` starts a comment. A line is a local path or a
 * clone URL (or a bare repository), optionally followed by the host slug (`owner/name`) when it cannot be read from it.
 */
export function parseReposList(
  text: string,
  baseDir: string,
  kind: "github" | "gitlab" | null,
): RepoSpec[] {
  const out: RepoSpec[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) continue;
    const [src, explicitSlug] = line.split(/\s+/);
    const url = looksLikeUrl(src!);
    const source = url ? src! : path.resolve(baseDir, src!);
    const slug = explicitSlug ?? (kind && url ? (slugFromUrl(src!, kind) ?? undefined) : undefined);
    // A local path that is not a working checkout (a bare repository, say) is cloned like a URL.
    out.push({
      name: slug ?? (url ? src! : path.basename(source)),
      source,
      kind: sourceKind(source),
      slug,
    });
  }
  return out;
}

/** --repos FILE|DIR → specs. In a directory, each subdirectory holding a .git is a checkout. */
export async function loadRepos(
  reposArg: string,
  kind: "github" | "gitlab" | null,
): Promise<RepoSpec[]> {
  const st = await stat(reposArg).catch(() => null);
  if (!st) throw new Error(`--repos: no such file or directory: ${reposArg}`);
  if (st.isFile())
    return parseReposList(
      await readFile(reposArg, "utf8"),
      path.dirname(path.resolve(reposArg)),
      kind,
    );
  const entries = (await readdir(reposArg, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && isCheckout(path.join(reposArg, e.name)))
    .map((e) => e.name)
    .sort();
  return entries.map((name) => ({
    name,
    source: path.resolve(reposArg, name),
    kind: "checkout" as const,
  }));
}

/** Lists an org's (GitHub) or group's (GitLab) repositories through the API. */
export async function loadOrgRepos(host: Host, org: string): Promise<RepoSpec[]> {
  const repos = await host.listOrgRepos(org);
  return repos
    .filter((r) => r.cloneUrl)
    .map((r) => ({
      name: r.slug,
      source: r.cloneUrl,
      kind: "url" as const,
      slug: r.slug,
      defaultBranch: r.defaultBranch,
      archived: r.archived,
    }));
}
