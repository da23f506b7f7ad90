// The ruby and php modules: runtime tags, where gems and extensions are found, and when to leave.
import { describe, expect, it } from "vitest";
import { convert } from "../src/index.js";
import { rubySlimTag } from "../transforms/ruby.js";

const artifacts = (text: string) => convert(text).plan?.artifacts.map((a) => a.from) ?? [];
const reason = (text: string) => {
  const r = convert(text);
  return r.decision === "converted"
    ? "converted"
    : `${r.reasons[0]?.code}: ${r.reasons[0]?.message}`;
};

describe("ruby", () => {
  it.each([
    ["3.1", "3.1-slim"],
    ["3.1.4", "3.1.4-slim"],
    ["3.2-bookworm", "3.2-slim-bookworm"],
    ["3.2-slim-bookworm", "3.2-slim-bookworm"],
    ["latest", "slim"],
    ["", "slim"],
    ["bullseye", "slim-bullseye"],
  ])("ruby:%s → ruby:%s", (tag, slim) => {
    expect(rubySlimTag(tag)).toBe(slim);
  });

  const app = (install: string, env = "") =>
    `FROM ruby:3.2\n${env}WORKDIR /app\nCOPY Gemfile Gemfile.lock ./\nRUN ${install}\nCOPY . .\nCMD ["bundle", "exec", "puma"]\n`;

  it("copies GEM_HOME and the app folder for a plain bundle install", () => {
    expect(artifacts(app("bundle install"))).toEqual(["/usr/local/bundle", "/app"]);
  });

  it("copies a bundle path outside the app folder", () => {
    expect(artifacts(app("bundle install", "ENV BUNDLE_PATH=/gems\n"))).toEqual([
      "/usr/local/bundle",
      "/gems",
      "/app",
    ]);
    expect(artifacts(app("bundle config set path /opt/bundle && bundle install"))).toEqual([
      "/usr/local/bundle",
      "/opt/bundle",
      "/app",
    ]);
  });

  it("keeps a deployment bundle inside the app folder with it", () => {
    expect(artifacts(app("bundle install --deployment"))).toEqual(["/usr/local/bundle", "/app"]);
    expect(artifacts(app("bundle install", "ENV BUNDLE_DEPLOYMENT=1\n"))).toEqual([
      "/usr/local/bundle",
      "/app",
    ]);
  });

  it("brings files a build step places outside the app folder", () => {
    const text = `FROM ruby:3.2\nWORKDIR /app\nCOPY . .\nRUN bundle install\nRUN cp docker/entrypoint.sh /usr/local/bin/ && chmod +x /usr/local/bin/entrypoint.sh\nENTRYPOINT ["entrypoint.sh"]\n`;
    expect(artifacts(text)).toEqual(["/usr/local/bundle", "/app", "/usr/local/bin/entrypoint.sh"]);
  });

  it("leaves a bundle path it cannot read", () => {
    expect(reason(app("bundle install --path $GEMS"))).toMatch(/^artifact-unknown/);
  });

  it("leaves gems installed for the user", () => {
    expect(reason(app("gem install --user-install puma"))).toMatch(
      /^unsupported: .*--user-install/,
    );
  });

  it("leaves images that build at start", () => {
    const text = `FROM ruby:3.2\nWORKDIR /app\nCOPY . .\nRUN bundle install\nCMD ["sh", "-c", "bundle exec rake assets:precompile && bundle exec puma"]\n`;
    expect(reason(text)).toMatch(/^toolchain-at-runtime/);
  });

  it("keeps node in the runtime stage when assets are not precompiled", () => {
    const text = `FROM ruby:3.2\nRUN apt-get update && apt-get install -y nodejs libpq-dev\nWORKDIR /app\nCOPY . .\nRUN bundle install\nCMD ["bin/rails", "server"]\n`;
    expect(convert(text).plan?.runtimePackages).toEqual(["nodejs", "libpq5"]);
  });

  it("leaves node in the builder when assets are precompiled", () => {
    const text = `FROM ruby:3.2\nRUN apt-get update && apt-get install -y nodejs libpq-dev\nWORKDIR /app\nCOPY . .\nRUN bundle install\nRUN bundle exec rake assets:precompile\nCMD ["bin/rails", "server"]\n`;
    expect(convert(text).plan?.runtimePackages).toEqual(["libpq5"]);
  });

  it("does not take a ruby image that builds no gems (a C program built on it)", () => {
    const text = `FROM ruby:3.2\nRUN apt-get update && apt-get install -y cmake\nWORKDIR /src\nCOPY . .\nRUN cmake . && make\nCMD ["./app"]\n`;
    expect(convert(text).ecosystem).not.toBe("ruby");
  });
});

describe("php", () => {
  it("copies vendor/ with the project and keeps the php image", () => {
    const text = `FROM php:8.2-fpm\nCOPY --from=composer:2 /usr/bin/composer /usr/bin/composer\nWORKDIR /var/www\nCOPY . .\nRUN composer install --no-dev\nCMD ["php-fpm"]\n`;
    const r = convert(text);
    expect(r.decision).toBe("converted");
    expect(r.plan?.image).toBe("php:8.2-fpm-trixie"); // the same php image, named by its release
    expect(r.plan?.artifacts.map((a) => a.from)).toEqual(["/var/www"]);
  });

  it("copies an ini file a pecl build writes itself", () => {
    const text = `FROM php:8.2-cli\nRUN apt-get update && apt-get install -y $PHPIZE_DEPS && pecl install apcu && echo "extension=apcu.so" > $PHP_INI_DIR/conf.d/apcu.ini\nCMD ["php", "-a"]\n`;
    expect(artifacts(text)).toEqual([
      "/usr/local/lib/php/extensions",
      "/usr/local/etc/php/conf.d/apcu.ini",
    ]);
  });

  it("leaves a pecl extension nothing enables", () => {
    const text = `FROM php:8.2-cli\nRUN pecl install apcu\nCMD ["php", "-a"]\n`;
    expect(reason(text)).toMatch(/^artifact-unknown: .*no ini file/);
  });

  it("leaves a builder step that changes the image outside what is copied", () => {
    const text = `FROM php:8.2-apache\nRUN apt-get update && apt-get install -y libzip-dev && docker-php-ext-install zip && sed -i 's/80/8080/' /etc/apache2/ports.conf\n`;
    expect(reason(text)).toMatch(/^unsupported: line 2 runs `sed/);
  });

  it("leaves a carried step that edits an ini file the builder made", () => {
    const text = `FROM php:8.2-cli\nRUN apt-get update && apt-get install -y libzip-dev\nRUN docker-php-ext-install zip\nRUN echo "zip.x=1" >> /usr/local/etc/php/conf.d/docker-php-ext-zip.ini\nRUN docker-php-ext-install bcmath\n`;
    expect(reason(text)).toMatch(/^unsupported: line 4 edits/);
  });

  it("takes files copied before the build (server configuration) from the builder", () => {
    const text = `FROM php:8.2-apache\nRUN apt-get update && apt-get install -y libzip-dev && docker-php-ext-install zip\nCOPY status.conf /etc/apache2/mods-available/\nWORKDIR /var/www/html\nCOPY html/ /var/www/html\nCOPY --from=composer /usr/bin/composer /usr/bin/composer\nRUN composer install\n`;
    expect(artifacts(text)).toEqual([
      "/usr/local/lib/php/extensions",
      "/usr/local/etc/php/conf.d/docker-php-ext-zip.ini",
      "/var/www/html",
      "/etc/apache2/mods-available/status.conf",
    ]);
  });

  it("installs Composer in the builder with its installer, and leaves create-project", () => {
    const setup = `FROM php:8.2-cli\nRUN apt-get update && apt-get install -y unzip\nRUN php -r "copy('https://getcomposer.org/installer', 'composer-setup.php');" && php composer-setup.php && mv composer.phar /usr/local/bin/composer\nWORKDIR /app\nCOPY . .\n`;
    expect(reason(`${setup}RUN composer install --no-dev\nCMD ["php", "app.php"]\n`)).toBe(
      "converted",
    );
    expect(
      reason(`${setup}RUN composer create-project slim/slim-skeleton /srv\nRUN composer install\n`),
    ).toMatch(/^unsupported: line 6 runs `composer create-project/);
  });

  it("leaves a PHP script run in the builder outside the project folder", () => {
    const text = `FROM php:8.2-cli\nCOPY tools/ /opt/tools/\nRUN php /opt/tools/setup.php\nWORKDIR /app\nCOPY . .\nRUN composer install\n`;
    expect(reason(text)).toMatch(/^unsupported: line 3 runs `php \/opt\/tools\/setup.php` outside/);
  });

  it("leaves an image that runs Composer at start", () => {
    const text = `FROM php:8.2-cli\nWORKDIR /app\nCOPY . .\nRUN composer install\nCMD composer install && php app.php\n`;
    expect(reason(text)).toMatch(/^toolchain-at-runtime/);
  });
});
