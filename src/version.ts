// The tool's version, as package.json says (test/cli.test.ts holds the two together).
export const VERSION = "0.1.0";
