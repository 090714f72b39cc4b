export * from "./regions";
export * from "./token-bucket";
export * from "./downstream";
export * from "./client";
