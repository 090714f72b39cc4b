/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON is untyped; tests read it loosely. */
/**
 * The demo and every example, as synthesized, give each worker function every setting its
 * handler needs on AWS: what a handler uses is read from its source (`ctx.genesys` -> the
 * Genesys credentials; a pipeline with the nightly spike -> synthetic messages), checked with
 * the contract's `missingWorkerSettings`, and the IAM grant on the credentials secret. The
 * emulator supplies none of these: a stack that passes here is one that works on AWS.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { missingWorkerSettings, WORKER_CONTRACT, type WorkerCapability } from "../../lib/runtime";
import { resources, synthBasic, synthComposed, synthEventStreams, synthExisting, synthNightlySpike, type TfJson } from "./synth-examples";

const EXAMPLES = path.resolve(__dirname, "..", "..", "examples");

/** The worker entries of each example, by the function name's start (its pipeline's path). */
const CASES: { name: string; synth: () => { json: TfJson }; workers: Record<string, string> }[] = [
  { name: "basic (the demo)", synth: synthBasic, workers: { "messaging-worker": "basic/worker.ts" } },
  {
    name: "composed",
    synth: synthComposed,
    workers: { "orders-worker": "composed/handlers/orders.ts", "support-support-desk-inbox-worker": "composed/handlers/support.ts" },
  },
  { name: "event-streams", synth: synthEventStreams, workers: { "conversations-worker": "event-streams/worker.ts" } },
  { name: "existing", synth: synthExisting, workers: { "orders-worker": "basic/worker.ts" } },
  { name: "nightly-spike", synth: synthNightlySpike, workers: { "orders-worker": "basic/worker.ts" } },
];

/** The code of an entry and of the local modules it imports (relative imports, followed), comments removed. */
function handlerCode(file: string, seen = new Set<string>()): string {
  if (seen.has(file)) return "";
  seen.add(file);
  // the code only: a comment that mentions ctx.genesys is no call
  const code = fs
    .readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "");
  const local = [...code.matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)].map((m) => path.resolve(path.dirname(file), `${m[1]}.ts`));
  return [code, ...local.filter((f) => fs.existsSync(f)).map((f) => handlerCode(f, seen))].join("\n");
}

/** What a handler's source uses (its entry and the local modules it imports): `ctx.genesys` calls, and synthetic messages when the stack runs the spike. */
function capabilitiesOf(entry: string, spike: boolean): WorkerCapability[] {
  const code = handlerCode(path.join(EXAMPLES, entry));
  return [...(/\bctx\.genesys\b/.test(code) ? (["genesys"] as const) : []), ...(spike ? (["synthetic"] as const) : [])];
}

/** The statements of the inline policy attached to a function's role. */
function roleStatements(json: TfJson, fn: any): { Sid: string; Action: string | string[]; Resource: string | string[] }[] {
  const role = String(fn.role).replace(/\.arn\}$/, "");
  const policies = resources(json, "aws_iam_role_policy").filter(([, p]) => String(p.role).replace(/\.(id|name)\}$/, "") === role);
  expect(policies).toHaveLength(1);
  return JSON.parse(policies[0][1].policy).Statement;
}

const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

describe.each(CASES)("examples/$name: every worker has the settings its handler needs on AWS", ({ synth, workers }) => {
  const { json } = synth();
  const spike = resources(json, "aws_lambda_function").some(([, f]) => f.environment?.variables?.GCX_TARGET_URL !== undefined);
  const workerFunctions = resources(json, "aws_lambda_function").filter(
    ([, f]) => f.environment?.variables?.[WORKER_CONTRACT.ingressKind.env] !== undefined,
  );

  it("has exactly the worker functions the case lists", () => {
    const names = workerFunctions.map(([, f]) => String(f.function_name));
    expect(names).toHaveLength(Object.keys(workers).length);
    for (const start of Object.keys(workers)) expect(names.filter((n) => n.startsWith(start + "-"))).toHaveLength(1);
  });

  it.each(Object.entries(workers))(
    "%s (%s): no missing setting, the credentials secret readable, synthetic calls simulated",
    (start, entry) => {
      const [, fn] = workerFunctions.find(([, f]) => String(f.function_name).startsWith(start + "-"))!;
      const env: Record<string, string> = fn.environment.variables;
      const capabilities = capabilitiesOf(entry, spike);

      expect(missingWorkerSettings(env, capabilities)).toEqual([]);
      // The nightly spike never calls a real downstream unless the stack names one.
      expect(env[WORKER_CONTRACT.syntheticDownstream.env]).toBe("simulate");
      expect(env[WORKER_CONTRACT.syntheticDownstreamTarget.env]).toBeUndefined();

      const credentials = env[WORKER_CONTRACT.genesysCredentialsSecretArn.env];
      if (!capabilities.includes("genesys")) {
        expect(credentials).toBeUndefined();
        return;
      }
      const read = roleStatements(json, fn).find((s) => asList(s.Action).includes("secretsmanager:GetSecretValue"));
      expect(read && asList(read.Resource)).toContain(credentials);
      // A created credentials secret is left for the team to fill: no value in Terraform state.
      const [secretId] = /^\$\{aws_secretsmanager_secret\.([^.}]+)\.arn\}$/.exec(credentials)?.slice(1) ?? [];
      expect(secretId).toBeDefined();
      const versions = resources(json, "aws_secretsmanager_secret_version").filter(([, v]) =>
        String(v.secret_id).startsWith(`\${aws_secretsmanager_secret.${secretId}.`),
      );
      expect(versions).toEqual([]);
    },
  );
});
