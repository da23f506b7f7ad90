// Library options that change what convert() returns.
import { describe, expect, it } from "vitest";
import { convert } from "../src/index.js";

const GO =
  'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/app .\nCMD ["/bin/app"]\n';

describe("convert options", () => {
  it("patch: false leaves the diff out and changes nothing else", () => {
    const full = convert(GO);
    const lean = convert(GO, { patch: false });
    expect(full.decision).toBe("converted");
    expect(full.patch).toMatch(/^diff --git a\/Dockerfile b\/Dockerfile/);
    expect(lean.patch).toBe("");
    expect({ ...lean, patch: full.patch }).toEqual(full);
  });
});
