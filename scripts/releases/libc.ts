// The C library of each OS release. Debian's is read from the Debian mirror this machine's apt
// uses (libc6 in dists/<codename>/main/binary-amd64/Packages.gz); releases the mirror no longer
// serves, Ubuntu, Alpine and the RHEL family come from the hand-kept tables below.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

export interface LibcValue {
  version: string;
  /** Where the value comes from: the mirror file it was read from, or the hand-kept table's source. */
  source: string;
}

type HandTable = { source: string; versions: Record<string, string> };

// glibc of Debian releases the mirror no longer serves (and of the served ones, used only when
// the mirror does not answer and no earlier run read them). Source: packages.debian.org and
// snapshot.debian.org, package libc6.
const DEBIAN: HandTable = {
  source: "hand-kept: packages.debian.org (libc6)",
  versions: {
    lenny: "2.7",
    squeeze: "2.11",
    wheezy: "2.13",
    jessie: "2.19",
    stretch: "2.24",
    buster: "2.28",
    bullseye: "2.31",
    bookworm: "2.36",
    trixie: "2.41",
  },
};

// Source: packages.ubuntu.com, package libc6 of each release.
const UBUNTU: HandTable = {
  source: "hand-kept: packages.ubuntu.com (libc6)",
  versions: {
    lucid: "2.11",
    precise: "2.15",
    quantal: "2.15",
    raring: "2.17",
    saucy: "2.17",
    trusty: "2.19",
    utopic: "2.19",
    vivid: "2.21",
    wily: "2.21",
    xenial: "2.23",
    yakkety: "2.24",
    zesty: "2.24",
    artful: "2.26",
    bionic: "2.27",
    cosmic: "2.28",
    disco: "2.29",
    eoan: "2.30",
    focal: "2.31",
    groovy: "2.32",
    hirsute: "2.33",
    impish: "2.34",
    jammy: "2.35",
    kinetic: "2.36",
    lunar: "2.37",
    mantic: "2.38",
    noble: "2.39",
    oracular: "2.40",
    plucky: "2.41",
    questing: "2.42",
  },
};

// Source: pkgs.alpinelinux.org, package musl of each branch.
const ALPINE: HandTable = {
  source: "hand-kept: pkgs.alpinelinux.org (musl)",
  versions: {
    "3.1": "1.1.5",
    "3.2": "1.1.11",
    "3.3": "1.1.12",
    "3.4": "1.1.14",
    "3.5": "1.1.15",
    "3.6": "1.1.16",
    "3.7": "1.1.18",
    "3.8": "1.1.19",
    "3.9": "1.1.20",
    "3.10": "1.1.22",
    "3.11": "1.1.24",
    "3.12": "1.1.24",
    "3.13": "1.2.2",
    "3.14": "1.2.2",
    "3.15": "1.2.2",
    "3.16": "1.2.3",
    "3.17": "1.2.3",
    "3.18": "1.2.4",
    "3.19": "1.2.4",
    "3.20": "1.2.5",
    "3.21": "1.2.5",
    "3.22": "1.2.5",
  },
};

// glibc of the RHEL family by major release (UBI, CentOS, Oracle Linux, Rocky, Alma follow RHEL;
// Amazon Linux 1 (2016.09–2018.03), 2, 2023). Source: the distributions' package lists
// (access.redhat.com/downloads/content/glibc, docs.aws.amazon.com/linux release notes).
const RHEL: HandTable = {
  source: "hand-kept: access.redhat.com, docs.aws.amazon.com (glibc)",
  versions: {
    "6": "2.12",
    "7": "2.17",
    "8": "2.28",
    "9": "2.34",
    "10": "2.39",
    "amazonlinux:1": "2.17",
    "amazonlinux:2016": "2.17",
    "amazonlinux:2017": "2.17",
    "amazonlinux:2018": "2.17",
    "amazonlinux:2": "2.26",
    "amazonlinux:2023": "2.34",
  },
};

export function handKept(distro: string, key: string, release: string): LibcValue | null {
  const table =
    distro === "debian"
      ? DEBIAN
      : distro === "ubuntu"
        ? UBUNTU
        : distro === "alpine"
          ? ALPINE
          : null;
  if (table) {
    const version = table.versions[release];
    return version ? { version, source: table.source } : null;
  }
  if (distro === "rhel") {
    const version = key.startsWith("amazonlinux:") ? RHEL.versions[key] : RHEL.versions[release];
    return version ? { version, source: RHEL.source } : null;
  }
  return null;
}

/**
 * The Debian mirror apt uses here: the first `URIs:` (deb822 .sources) or `deb` line (sources.list)
 * whose suites include a plain codename (not -security, -updates).
 */
export function aptMirror(etc = "/etc/apt"): string | null {
  const candidates: { uri: string; suites: string[] }[] = [];
  const dir = `${etc}/sources.list.d`;
  const files = existsSync(dir) ? readdirSync(dir).sort() : [];
  for (const f of files.filter((f) => f.endsWith(".sources"))) {
    for (const stanza of readFileSync(`${dir}/${f}`, "utf8").split(/\n\s*\n/)) {
      const field = (k: string) =>
        new RegExp(`^${k}:\\s*(.*)$`, "mi").exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
      if (!field("Types").includes("deb")) continue;
      for (const uri of field("URIs")) candidates.push({ uri, suites: field("Suites") });
    }
  }
  const list = [
    `${etc}/sources.list`,
    ...files.filter((f) => f.endsWith(".list")).map((f) => `${dir}/${f}`),
  ];
  for (const path of list.filter(existsSync)) {
    for (const line of readFileSync(path, "utf8").split("\n")) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
      if (m) candidates.push({ uri: m[1]!, suites: [m[2]!] });
    }
  }
  const main = candidates.find((c) => c.suites.some((s) => /^[a-z]+$/.test(s)));
  return main ? main.uri.replace(/\/+$/, "") : null;
}

/** libc6's upstream version in `<mirror>/dists/<codename>/main/binary-amd64/Packages.gz`, or null. */
export async function mirrorLibc(mirror: string, codename: string): Promise<LibcValue | null> {
  const path = `dists/${codename}/main/binary-amd64/Packages.gz`;
  try {
    const res = await fetch(`${mirror}/${path}`, { signal: AbortSignal.timeout(120_000) });
    if (!res.ok || !res.body) return null;
    const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream);
    const lines = createInterface({ input: body.pipe(createGunzip()), crlfDelay: Infinity });
    let inLibc = false;
    try {
      for await (const line of lines) {
        if (line.startsWith("Package: ")) inLibc = line === "Package: libc6";
        else if (inLibc && line.startsWith("Version: ")) {
          const full = line.slice("Version: ".length);
          // 2.41-12 → 2.41; 2.31-13+deb11u11 → 2.31 (the epoch, if any, first).
          const version = /^(?:\d+:)?(\d+\.\d+)/.exec(full)?.[1];
          if (version) return { version, source: `Debian mirror: ${path} (libc6 ${full})` };
        }
      }
    } finally {
      lines.close();
      body.destroy();
    }
    return null;
  } catch {
    return null;
  }
}
