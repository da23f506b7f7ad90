// The runtime image of the node, java and python modules comes from the builder's tag.
import { describe, expect, it } from "vitest";
import { javaVersion } from "../transforms/java.js";
import { nodeVersion } from "../transforms/node-server.js";
import { pythonTag } from "../transforms/python.js";
import { convert } from "../src/index.js";

describe("builder tags", () => {
  it.each([
    ["24.16.0", "24.16.0", 24],
    ["20-bookworm", "20-bookworm", 20],
    ["20-bookworm-slim", "20-bookworm", 20],
    ["22-slim", "22", 22],
    ["lts", "lts", null],
    ["latest", "current", null],
    ["slim", "current", null],
    ["14.17.3-alpine3.14", "14.17.3", 14],
  ])("node %s → %s", (tag, version, major) => {
    expect(nodeVersion(tag)).toEqual({ version, major });
  });

  it.each([
    ["maven", "3.9.11-eclipse-temurin-25-noble", 25],
    ["maven", "3-jdk-11-slim", 11],
    ["maven", "3.5-jdk-8-alpine", 8],
    ["maven", "3.9", null],
    ["gradle", "jdk17", 17],
    ["gradle", "8.7.0-jdk21", 21],
    ["gradle", "8.5", null],
    ["eclipse-temurin", "17-jdk-jammy", 17],
    ["openjdk", "17-jdk-slim", 17],
    ["openjdk", "8u212-jdk", 8],
    ["openjdk", "openjdk-8-jdk-alpine", 8],
  ])("java %s:%s → %s", (family, tag, version) => {
    expect(javaVersion(family, tag)).toBe(version);
  });

  it.each([
    ["3.11-bullseye", "3.11", "-bullseye"],
    ["3.12-slim-bookworm", "3.12", "-bookworm"],
    ["3.9", "3.9", ""],
    ["3.6.6-stretch", "3.6.6", "-stretch"],
  ])("python %s → %s%s", (tag, version, suffix) => {
    expect(pythonTag(tag)).toEqual({ version, suffix });
  });
});

describe("runtime images", () => {
  const image = (text: string) => convert(text).plan?.image ?? null;
  it("keeps the Node release and codename", () => {
    expect(
      image(
        'FROM node:18-bullseye\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nCMD ["node", "dist/main.js"]\n',
      ),
    ).toBe("node:18-bullseye-slim");
  });
  it("uses npm prune --production before npm 7", () => {
    const r = convert(
      'FROM node:12\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nCMD ["node", "dist/main.js"]\n',
    );
    expect(r.output).toContain("RUN npm prune --production && mkdir -p node_modules");
  });
  it("takes the JRE of the JDK's major version", () => {
    expect(
      image(
        'FROM maven:3.9-eclipse-temurin-21\nWORKDIR /src\nCOPY . .\nRUN mvn -B package\nCMD ["java", "-jar", "target/app.jar"]\n',
      ),
    ).toBe("eclipse-temurin:21-jre");
  });
  it("leaves Java versions without a published JRE image", () => {
    const r = convert(
      'FROM openjdk:12\nWORKDIR /src\nCOPY . .\nRUN ./mvnw package\nCMD ["java", "-jar", "target/app.jar"]\n',
    );
    expect(r.decision).toBe("skipped");
    expect(r.reasons[0]?.message).toContain("Java 12");
  });
});
