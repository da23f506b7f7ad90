// Programs that packages install under other names (data/packages.yaml programPackages): the
// contract check finds them in the runtime stage only when a package that installs them is there.
import { describe, expect, it } from "vitest";
import { convert } from "../src/index.js";

const php = (packages: string, cmd: string) => `FROM ubuntu:24.04
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -yqq && apt-get install -yqq git unzip ${packages} > /dev/null
COPY --from=composer/composer:2-bin /composer /usr/local/bin/composer
WORKDIR /app
COPY . .
RUN composer install --no-dev --quiet
CMD ${cmd}
`;

describe("programs installed under another name", () => {
  it.each([
    ["php from php8.4-cli", "php8.4-cli", '["php", "server.php"]'],
    ["/usr/bin/php from php8.4-cli", "php8.4-cli", '["/usr/bin/php", "server.php"]'],
    ["php-fpm8.4 from php8.4-fpm", "php8.4-cli php8.4-fpm", '["/usr/sbin/php-fpm8.4", "-F"]'],
  ])("%s: converted", (_name, packages, cmd) => {
    const r = convert(php(packages, cmd));
    expect(r.decision, r.reasons.map((x) => x.message).join("; ")).toBe("converted");
    expect(r.output).toMatch(new RegExp(`apt-get install .*${packages.split(" ").pop()}`));
  });

  it.each([
    ["php-fpm8.4 with only php8.4-cli", "php8.4-cli", '["/usr/sbin/php-fpm8.4", "-F"]'],
    ["php-fpm8.3 with php8.4-fpm", "php8.4-cli php8.4-fpm", '["/usr/sbin/php-fpm8.3", "-F"]'],
  ])("%s: left alone by the contract check", (_name, packages, cmd) => {
    const r = convert(php(packages, cmd));
    expect(r.decision).not.toBe("converted");
    expect(r.reasons[0]?.code).toBe("contract");
  });
});
