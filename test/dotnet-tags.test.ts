// The .NET runtime image comes from the SDK image's repository and tag.
import { describe, expect, it } from "vitest";
import { dotnetTag } from "../transforms/dotnet.js";

describe(".NET SDK tags", () => {
  it.each([
    ["mcr.microsoft.com/dotnet/sdk", "8.0", { scheme: "mcr", version: "8.0", suffix: "" }],
    [
      "mcr.microsoft.com/dotnet/sdk",
      "8.0.100-alpine3.18",
      { scheme: "mcr", version: "8.0", suffix: "-alpine3.18" },
    ],
    [
      "mcr.microsoft.com/dotnet/sdk",
      "6.0-jammy",
      { scheme: "mcr", version: "6.0", suffix: "-jammy" },
    ],
    [
      "mcr.microsoft.com/dotnet/sdk",
      "6.0-bullseye-slim",
      { scheme: "mcr", version: "6.0", suffix: "-bullseye-slim" },
    ],
    [
      "mcr.microsoft.com/dotnet/core/sdk",
      "3.1-buster",
      { scheme: "core", version: "3.1", suffix: "-buster-slim" },
    ],
    [
      "microsoft/dotnet",
      "2.1-sdk-stretch",
      { scheme: "hub", version: "2.1", suffix: "-stretch-slim" },
    ],
    ["microsoft/dotnet", "2.2-sdk-alpine", { scheme: "hub", version: "2.2", suffix: "-alpine" }],
    ["microsoft/dotnet", "2.0.0-sdk", { scheme: "hub-old", version: "2.0", suffix: "" }],
  ])("%s:%s", (name, tag, want) => {
    expect(dotnetTag(name, tag)).toEqual(want);
  });

  it.each([
    ["mcr.microsoft.com/dotnet/sdk", "latest"],
    ["mcr.microsoft.com/dotnet/sdk", "8.0-nanoserver-1809"],
    ["microsoft/dotnet", "2.1-runtime"],
    ["microsoft/dotnet", "latest"],
  ])("%s:%s → unknown", (name, tag) => {
    expect(dotnetTag(name, tag)).toBeNull();
  });
});
