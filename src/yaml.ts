// YAML's parser behind an ESM module of ours, for `await import("./yaml.js")`. A direct
// `import("yaml")` of that CommonJS package from a split bundle chunk yields only a default
// export (no named `parse`); a static import here gets esbuild's named-export interop.
export { parse as parseYaml } from "yaml";
