/**
 * Preloaded with `node -r ts-node/register/transpile-only -r ./test/helpers/framework-hook.ts`:
 * resolves the package's self-imports to its TypeScript sources, and with
 * `GCX_FRAMEWORK=cdktn` points the framework imports of those same sources at CDK Terrain
 * (as jest's `cdktn` project does with moduleNameMapper).
 */
import * as path from "node:path";
import Module from "node:module";

const root = path.resolve(__dirname, "..", "..");
const SELF: Record<string, string> = {
  "cdktf-genesys-consumer": path.join(root, "lib", "index.ts"),
  "cdktf-genesys-consumer/runtime": path.join(root, "lib", "runtime", "index.ts"),
};
const RENAMES: readonly (readonly [RegExp, string])[] =
  process.env.GCX_FRAMEWORK === "cdktn"
    ? [
        [/^cdktf(\/.*)?$/, "cdktn$1"],
        [/^@cdktf\/provider-(aws|random)(\/.*)?$/, "@cdktn/provider-$1$2"],
      ]
    : [];

type Resolve = (request: string, ...rest: unknown[]) => string;
const internal = Module as unknown as { _resolveFilename: Resolve };
const original = internal._resolveFilename;
internal._resolveFilename = function (request: string, ...rest: unknown[]): string {
  let mapped = SELF[request] ?? request;
  for (const [pattern, replacement] of RENAMES) if (pattern.test(mapped)) mapped = mapped.replace(pattern, replacement);
  return original.call(this, mapped, ...rest);
};
