export * from "./worker";
export * from "./types";
export * from "./metrics";
export * from "./secrets";
