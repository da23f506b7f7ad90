// The -dev → runtime package table (data/packages.yaml runtimeCounterparts): what the runtime stage
// installs for each -dev package, per package manager and distribution release.
import { describe, expect, it } from "vitest";
import { packages } from "../src/data.js";
import { convert } from "../src/index.js";

/** The lookup plan.ts makes: a plain name, or the release's entry with `default` as fallback. */
function counterpart(manager: string, dev: string, release: string): string | undefined {
  const c = packages.runtimeCounterparts[manager]?.[dev];
  if (c === undefined) return undefined;
  return typeof c === "string" ? c : (c[release] ?? c["default"]);
}

describe("-dev → runtime counterparts", () => {
  it.each([
    // Debian and Ubuntu: native gems and PHP extensions
    ["apt", "libpq-dev", "bookworm", "libpq5"],
    ["apt", "libpq-dev", "bullseye", "libpq5"],
    ["apt", "libxml2-dev", "bookworm", "libxml2"],
    ["apt", "libsqlite3-dev", "bookworm", "libsqlite3-0"],
    ["apt", "libmariadb-dev", "bookworm", "libmariadb3"],
    ["apt", "default-libmysqlclient-dev", "bookworm", "libmariadb3"],
    ["apt", "libyaml-dev", "bookworm", "libyaml-0-2"],
    ["apt", "libicu-dev", "bookworm", "libicu72"],
    ["apt", "libicu-dev", "bullseye", "libicu67"],
    ["apt", "libicu-dev", "buster", "libicu63"],
    ["apt", "libicu-dev", "trixie", "libicu76"],
    ["apt", "libicu-dev", "jammy", "libicu70"],
    ["apt", "libicu-dev", "noble", "libicu74"],
    ["apt", "libzip-dev", "bookworm", "libzip4"],
    ["apt", "libzip-dev", "trixie", "libzip5"],
    ["apt", "libzip-dev", "focal", "libzip5"],
    ["apt", "libzip-dev", "noble", "libzip4t64"],
    ["apt", "libpng-dev", "bookworm", "libpng16-16"],
    ["apt", "libpng-dev", "trixie", "libpng16-16t64"],
    ["apt", "libonig-dev", "bookworm", "libonig5"],
    ["apt", "libonig-dev", "bionic", "libonig4"],
    ["apt", "libssl-dev", "bookworm", "libssl3"],
    ["apt", "libssl-dev", "bullseye", "libssl1.1"],
    ["apt", "libssl-dev", "trixie", "libssl3t64"],
    ["apt", "libffi-dev", "bullseye", "libffi7"],
    ["apt", "libgd-dev", "bookworm", "libgd3"],
    ["apt", "libmemcached-dev", "bookworm", "libmemcached11"],
    ["apt", "libmagickwand-dev", "bookworm", "libmagickwand-6.q16-6"],
    ["apt", "libvips-dev", "bookworm", "libvips42"],
    // Alpine
    ["apk", "postgresql-dev", "3.19", "libpq"],
    ["apk", "libpq-dev", "3.19", "libpq"],
    ["apk", "mariadb-dev", "3.19", "mariadb-connector-c"],
    ["apk", "sqlite-dev", "3.19", "sqlite-libs"],
    ["apk", "yaml-dev", "3.19", "yaml"],
    ["apk", "icu-dev", "3.19", "icu-libs"],
    ["apk", "libzip-dev", "3.19", "libzip"],
    ["apk", "oniguruma-dev", "3.19", "oniguruma"],
    ["apk", "libxml2-dev", "3.19", "libxml2"],
    ["apk", "libmemcached-dev", "3.19", "libmemcached-libs"],
    // RHEL family (-devel)
    ["yum", "postgresql-devel", "8", "postgresql-libs"],
    ["yum", "libpq-devel", "8", "libpq"],
    ["yum", "mariadb-devel", "8", "mariadb-connector-c"],
    ["yum", "libicu-devel", "8", "libicu"],
    ["yum", "libzip-devel", "8", "libzip"],
    ["yum", "oniguruma-devel", "8", "oniguruma"],
    ["yum", "libyaml-devel", "8", "libyaml"],
    ["yum", "sqlite-devel", "8", "sqlite-libs"],
  ])("%s %s on %s → %s", (manager, dev, release, runtime) => {
    expect(counterpart(manager, dev, release)).toBe(runtime);
  });

  it("maps only -dev/-devel packages, to packages that are not -dev", () => {
    const odd: string[] = [];
    for (const [manager, table] of Object.entries(packages.runtimeCounterparts)) {
      const suffix = packages.devSuffix[manager] ?? "-dev";
      for (const [dev, c] of Object.entries(table)) {
        const names = typeof c === "string" ? [c] : Object.values(c);
        if (names.some((n) => n.endsWith(suffix))) odd.push(`${manager} ${dev} → ${names}`);
        if (typeof c !== "string" && !c["default"]) odd.push(`${manager} ${dev}: no default`);
      }
    }
    expect(odd).toEqual([]);
  });

  it.each([
    ["ruby:3.2-bookworm", "apt-get install -y libpq-dev libicu-dev", "libpq5 libicu72"],
    ["ruby:3.2-bullseye", "apt-get install -y libpq-dev libicu-dev", "libpq5 libicu67"],
    ["ruby:3.2-trixie", "apt-get install -y libpq-dev libicu-dev", "libpq5 libicu76"],
    ["ruby:3.2-alpine3.19", "apk add --no-cache build-base postgresql-dev", "libpq"],
  ])("the runtime stage of a %s builder installs the counterparts", (image, install, expected) => {
    const text = `FROM ${image}\nRUN ${install}\nWORKDIR /app\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\nCOPY . .\nCMD ["bundle", "exec", "puma"]\n`;
    const r = convert(text);
    expect(r.decision).toBe("converted");
    expect(r.plan?.runtimePackages.join(" ")).toBe(expected);
  });
});
