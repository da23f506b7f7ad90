// The runtime runs on the builder's release: a program built against one C library must find the
// same one, or a newer one of the same kind, where it runs. Releases come from data/releases.
import { osOfImage, readImageRef } from "./analyse.js";
import { normaliseRepo } from "./data.js";
import { libcFits, tagRelease, type OsRelease } from "./releases.js";
import { leave, type LeaveAlone } from "./transform.js";
import type { ImageInfo } from "./types.js";

/**
 * Runtime classes whose artifact does not link the builder's C library: a static binary, static
 * files served by a web server, a jar on a JRE or a .war in a servlet container (the JVM comes with
 * the runtime image), built files served by the builder's own image again (web-server: both stages
 * name one image, no pin needed).
 */
export const LIBC_FREE_CLASSES: ReadonlySet<string> = new Set([
  "static",
  "static-shell",
  "static-site",
  "web-server",
  "jre",
  "servlet",
]);

export interface Fitted {
  image: string;
  /** Why the runtime's release fits the builder's (for the explanation). */
  why: string;
  builder?: OsRelease;
  runtime?: OsRelease;
}

function describe(os: OsRelease): string {
  const name =
    os.distro === "debian" || os.distro === "ubuntu"
      ? `${cap(os.distro)} ${os.version ? os.version + " " : ""}${os.codename ?? ""}`.trim()
      : os.distro === "alpine"
        ? `Alpine ${os.version ?? ""}`.trim()
        : os.key;
  return os.libcVersion ? `${name} (${os.libc} ${os.libcVersion})` : name;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `{repo}:{tag}` naming `release` itself: the tag's own pin, or a variant with the release in it. */
export function releaseVariant(repo: string, tag: string, os: OsRelease): string | null {
  const own = tagRelease(repo, tag);
  if (own && own.os.key === os.key) return own.named ? tag : (own.pin ?? null);
  const token = os.distro === "alpine" ? `alpine${os.version ?? ""}` : os.codename;
  if (!token) return null;
  const parts = tag === "latest" ? [] : tag.split("-");
  const candidates = new Set<string>();
  for (let i = 0; i <= parts.length; i++)
    candidates.add([...parts.slice(0, i), token, ...parts.slice(i)].join("-"));
  for (const c of candidates) {
    const r = tagRelease(repo, c);
    if (r && r.os.key === os.key) return c;
  }
  return null;
}

/**
 * Check (and where needed change) the runtime image so its C library fits the builder's. `pin`:
 * name the release in a floating runtime tag too, so it moves with the pinned builder.
 */
export function fitRuntime(
  builder: ImageInfo | null,
  builderRef: string,
  image: string,
  runtimeClass: string,
  pin: boolean,
): Fitted | LeaveAlone {
  const libcFree = LIBC_FREE_CLASSES.has(runtimeClass);
  const b = builder?.os;
  const ref = readImageRef(image);
  const found = osOfImage(ref);
  const r = "os" in found ? found.os : undefined;
  if (!b) {
    if (libcFree)
      return { image, why: `${runtimeClass} needs no C library of the builder's release` };
    return leave(
      "release-unknown",
      `the OS release of ${builderRef} is not known (${builder?.releaseUnknown ?? "no data for the image"}); the program may link its C library dynamically, so a runtime image of the same release cannot be chosen`,
    );
  }
  if (libcFree) {
    return {
      image,
      why: `${runtimeClass} needs no C library of the builder's release`,
      builder: b,
      ...(r ? { runtime: r } : {}),
    };
  }
  const repo = normaliseRepo(ref.name);
  if (!r) {
    return leave(
      "release-unknown",
      `the release of the runtime image ${image} is not known (${"unknown" in found ? found.unknown : ""}), so it cannot be matched to ${builderRef} (${describe(b)})`,
    );
  }
  if (r.key === b.key) {
    // Same release today; a floating runtime tag is pinned like the builder.
    if (pin && "os" in found && found.from === "table" && found.pin && !ref.digest) {
      const pinned = `${ref.name}:${found.pin}`;
      return {
        image: pinned,
        why: `${describe(b)} on both stages; ${image} is ${r.codename ?? r.version} today, named ${found.pin} so it stays there`,
        builder: b,
        runtime: r,
      };
    }
    return { image, why: `${describe(b)} on both stages`, builder: b, runtime: r };
  }
  // Another release: the same image's variant on the builder's release, if it is published.
  const variant = ref.digest ? null : releaseVariant(repo, ref.tag, b);
  if (variant) {
    const chosen = `${ref.name}:${variant}`;
    return {
      image: chosen,
      why: `${image} is ${describe(r)}, the builder ${describe(b)}: ${chosen} is the same image on the builder's release`,
      builder: b,
      runtime: b,
    };
  }
  if (libcFits(b, r))
    return {
      image,
      why: `${image} is ${describe(r)}, newer than the builder's ${describe(b)}: programs built on the older C library run on it`,
      builder: b,
      runtime: r,
    };
  return leave(
    "release-mismatch",
    `the builder ${builderRef} is ${describe(b)} but the runtime image ${image} is ${describe(r)}, and no ${repo} tag on the builder's release is known: a program built there would not start`,
  );
}
