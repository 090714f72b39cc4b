/**
 * `cdktf-genesys-consumer local` through the real command line program (buildProgram): the
 * errors about its options name the flags as they are typed, and come before anything starts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { throwingProgram } from "../helpers/cli";
import { ApiChoiceError, runLocalStack } from "../../lib/local/run";
import { ProfileError } from "../../lib/runtime/loadgen";

async function local(...args: string[]): Promise<void> {
  await throwingProgram().parseAsync(["node", "cdktf-genesys-consumer", "local", ...args]);
}

/** A synthesized stack with the given REST APIs (nothing else: the choice is made before anything starts). */
function stackDir(...apis: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-cli-"));
  const resource = apis.length ? { aws_api_gateway_rest_api: Object.fromEntries(apis.map((name) => [name, { name }])) } : {};
  fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify({ "//": { metadata: { stackName: "two" } }, resource }));
  return dir;
}

const dirs: string[] = [];
const twoApis = () => {
  const dir = stackDir("orders_ingress_api_1A2B3C4D", "support_ingress_api_5E6F7A8B");
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe("local: choosing the REST API of a stack with several", () => {
  it("without --api, names the --api flag and the choices", async () => {
    await expect(local("--stack-dir", twoApis(), "--no-html")).rejects.toThrow(
      new Error(
        "the stack has 2 REST APIs: choose the one to send to with --api <address>, one of: aws_api_gateway_rest_api.orders_ingress_api_1A2B3C4D, aws_api_gateway_rest_api.support_ingress_api_5E6F7A8B",
      ),
    );
  });

  it("with an --api that is not one of them, names the flag, the value and the choices", async () => {
    await expect(local("--stack-dir", twoApis(), "--api", "orders_ingress_api_1A2B3C4D")).rejects.toThrow(
      new Error(
        '--api "orders_ingress_api_1A2B3C4D" is not a REST API of the stack; choose one of: aws_api_gateway_rest_api.orders_ingress_api_1A2B3C4D, aws_api_gateway_rest_api.support_ingress_api_5E6F7A8B',
      ),
    );
  });

  it("runLocalStack (the library) throws an ApiChoiceError with the choices, naming its `api` option", async () => {
    const error = await runLocalStack({ stack: twoApis(), profile: "{}" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiChoiceError);
    expect((error as ApiChoiceError).choices).toEqual([
      "aws_api_gateway_rest_api.orders_ingress_api_1A2B3C4D",
      "aws_api_gateway_rest_api.support_ingress_api_5E6F7A8B",
    ]);
    expect((error as ApiChoiceError).message).toBe(
      "the stack has 2 REST APIs: choose the one to send to with the `api` option, one of: aws_api_gateway_rest_api.orders_ingress_api_1A2B3C4D, aws_api_gateway_rest_api.support_ingress_api_5E6F7A8B",
    );
    const unknown = await runLocalStack({ stack: twoApis(), profile: "{}", api: "aws_api_gateway_rest_api.nope" }).catch((e: unknown) => e);
    expect((unknown as ApiChoiceError).requested).toBe("aws_api_gateway_rest_api.nope");
    expect((unknown as ApiChoiceError).message).toBe(
      'api: "aws_api_gateway_rest_api.nope" is not a REST API of the stack; choose one of: aws_api_gateway_rest_api.orders_ingress_api_1A2B3C4D, aws_api_gateway_rest_api.support_ingress_api_5E6F7A8B',
    );
  });

  it("a stack without a REST API says so, --api or not", async () => {
    const dir = stackDir();
    dirs.push(dir);
    const message = `${path.join(dir, "cdk.tf.json")} has no aws_api_gateway_rest_api: the load generator has no ingress to send to`;
    await expect(local("--stack-dir", dir)).rejects.toThrow(new Error(message));
    await expect(local("--stack-dir", dir, "--api", "aws_api_gateway_rest_api.x")).rejects.toThrow(new Error(message));
  });
});

describe("local: the other errors naming an option use its flag", () => {
  it.each([
    ["--downstream-rate", "0", '--downstream-rate must be a positive number, got "0"'],
    ["--max-threads", "many", '--max-threads must be a positive number, got "many"'],
  ])("%s %s", async (flag, value, message) => {
    await expect(
      local("--stack-dir", twoApis(), "--api", "aws_api_gateway_rest_api.orders_ingress_api_1A2B3C4D", flag, value),
    ).rejects.toThrow(new Error(message));
  });
});

describe("local: a profile whose scenarios name targets", () => {
  it("is refused before anything starts: the local run sends to one ingress", async () => {
    const error = await runLocalStack({
      stack: twoApis(),
      api: "aws_api_gateway_rest_api.orders_ingress_api_1A2B3C4D",
      profile: {
        scenarios: [
          { name: "steady", phases: [{ type: "constant", ratePerSecond: 1, durationSeconds: 1 }] },
          { name: "spike", target: "orders", phases: [{ type: "constant", ratePerSecond: 5, durationSeconds: 1 }] },
        ],
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProfileError);
    expect((error as Error).message).toContain(
      'scenarios: scenario "spike" is for target "orders", but the local run sends to one ingress (aws_api_gateway_rest_api.orders_ingress_api_1A2B3C4D): remove the scenarios\' `target`, or send to several deployed targets with `spike --targets <file>`',
    );
  });
});
