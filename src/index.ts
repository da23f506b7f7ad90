// Public library API: the CLI, bulk mode, PR mode and the tests all go through here.
export { convert } from "./convert.js";
export type * from "./types.js";
