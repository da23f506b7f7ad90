// Which files a package-repository step writes (src/apt-repository.ts): the runtime stage gets
// exactly these, so a wrong or missing path would break its apt-get update.
import { describe, expect, it } from "vitest";
import { repositoryStep } from "../src/apt-repository.js";
import { parseDocument } from "../src/parse/document.js";

const step = (run: string) => {
  const doc = parseDocument(`FROM debian:12\nRUN ${run}\n`);
  return repositoryStep(doc.instructions[1]!);
};

describe("repositoryStep", () => {
  it("apt-key add trusts the key in /etc/apt/trusted.gpg", () => {
    expect(step("curl -fsSL https://x.test/key | apt-key add -")).toEqual({
      kind: "files",
      files: ["/etc/apt/trusted.gpg"],
    });
  });

  it("gpg --dearmor -o, wget -qO and tee name their files", () => {
    expect(
      step(
        "wget -qO- https://x.test/k.asc | gpg --dearmor -o /usr/share/keyrings/x.gpg && echo 'deb [signed-by=/usr/share/keyrings/x.gpg] https://x.test/apt stable main' | tee /etc/apt/sources.list.d/x.list > /dev/null",
      ),
    ).toEqual({
      kind: "files",
      files: ["/usr/share/keyrings/x.gpg", "/etc/apt/sources.list.d/x.list"],
    });
    expect(step("wget -qO /etc/apt/keyrings/x.asc https://x.test/k.asc")).toEqual({
      kind: "files",
      files: ["/etc/apt/keyrings/x.asc"],
    });
    expect(
      step(
        "curl -sSLo /etc/apt/keyrings/y.gpg https://x.test/k.gpg && chmod a+r /etc/apt/keyrings/y.gpg",
      ),
    ).toEqual({ kind: "files", files: ["/etc/apt/keyrings/y.gpg"] });
  });

  it("a temporary download is not copied", () => {
    expect(
      step("curl -o /tmp/k.asc https://x.test/k.asc && apt-key add /tmp/k.asc && rm /tmp/k.asc"),
    ).toEqual({ kind: "files", files: ["/etc/apt/trusted.gpg"] });
  });

  it("appending to the image's own sources.list cannot be copied", () => {
    const s = step("echo 'deb https://x.test/apt stable main' >> /etc/apt/sources.list");
    expect(s?.kind).toBe("unknown");
  });

  it("a file name known only at build time cannot be copied", () => {
    const s = step(
      'echo "deb https://x.test/apt stable main" > /etc/apt/sources.list.d/$(lsb_release -cs).list',
    );
    expect(s).toEqual({
      kind: "unknown",
      why: expect.stringContaining("not known before the build"),
    });
  });

  it("a RUN that does more than set up a repository is not such a step", () => {
    expect(
      step("echo 'deb https://x.test/apt stable main' > /etc/apt/sources.list.d/x.list && make"),
    ).toBe(null);
    expect(step("apt-get update && apt-get install -y gnupg nginx && apt-key add /k")).toBe(null);
    expect(step("apt-get update")).toBe(null);
  });
});
