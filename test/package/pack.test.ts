/**
 * The package as a team gets it: built, packed by npm, and installed from the tarball.
 *
 * - The tarball's contents, and both entry points required by package name.
 * - A fresh app for each framework (CDK for Terraform and CDK Terrain), in a temporary folder
 *   outside this repository, installed with the README's own install lines (read from the
 *   README, the package replaced by the tarball, `--prefer-offline` so the npm cache that this
 *   repository's `npm ci` filled serves what it can). Each app holds a two-pipeline stack and
 *   a worker handler; it type-checks with the framework's default tsconfig (cdktf-cli's
 *   TypeScript template; cdktn-cli 0.24's is the same file), also with `skipLibCheck: false`,
 *   synthesizes, and its worker bundle is as lean as the same handler bundled in this
 *   repository (where the runtime import points at the TypeScript sources).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { bundleEntry } from "../../lib/constructs/bundle";

const root = path.resolve(__dirname, "../..");
const TEMPLATE_TSCONFIG = path.join(root, "node_modules", "cdktf-cli", "bundle", "templates", "typescript", "tsconfig.json");

type Framework = "cdktf" | "cdktn";

/** The README's install lines for a framework: the `npm install` lines of the block that installs it. */
function readmeInstallLines(readme: string, framework: Framework): string[][] {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1].split("\n").filter((line) => line.startsWith("npm install")),
  );
  const block = blocks.find((lines) => lines[0]?.startsWith(`npm install cdktf-genesys-consumer ${framework}@`));
  if (!block) throw new Error(`the README has no install block starting "npm install cdktf-genesys-consumer ${framework}@"`);
  return block.map((line) => line.split(/\s+/).slice(2));
}

function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: "pipe", env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env } });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}\n${e.stderr ?? ""}\n${e.message}`);
  }
}

const HANDLER = `import { createWorker, PermanentError } from "cdktf-genesys-consumer/runtime";

export const handler = createWorker({
  async handle(message, ctx) {
    // 4xx answers throw DownstreamRejectedError (permanent); 429 and 5xx are retried through the queue
    const res = await ctx.downstream("crm").fetch("https://crm.example.com/tickets", { method: "POST", body: JSON.stringify(message) });
    const ticket = (await res.json()) as { id?: string };
    if (!ticket.id) throw new PermanentError(\`the CRM answered \${res.status} without a ticket for \${message.id}\`);
  },
});

// The handler is typed, never \`any\`: a number is not a handler.
// @ts-expect-error
export const typed: number = handler;
`;

function mainTs(framework: Framework): string {
  const providerPackage = framework === "cdktf" ? "@cdktf/provider-aws" : "@cdktn/provider-aws";
  const library = framework === "cdktf" ? "cdktf-genesys-consumer" : "cdktf-genesys-consumer/cdktn";
  return `import * as path from "node:path";
import { Construct } from "constructs";
import { App, TerraformOutput, TerraformStack } from "${framework}";
import { AwsProvider } from "${providerPackage}/lib/provider";
import { ConsumerPipeline, GenesysProvider } from "${library}";

class Messaging extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "eu-west-1" });
    new GenesysProvider(this, "genesys", { awsRegion: "eu-west-1" });
    const orders = new ConsumerPipeline(this, "orders", {
      worker: { entry: path.join(__dirname, "handler.ts"), maxConcurrency: 20 },
      alarms: { email: "oncall@example.com" },
      genesysWebhook: {},
    });
    const support = new ConsumerPipeline(this, "support", { worker: { entry: path.join(__dirname, "handler.ts") } });
    new TerraformOutput(this, "queues", { value: [orders.queue.queue.url, support.queue.queue.url] });
  }
}

const app = new App();
new Messaging(app, "messaging");
app.synth();
`;
}

interface FreshApp {
  readonly dir: string;
  readonly framework: Framework;
}

/** A fresh app in a temporary folder: the README's install lines, the template tsconfig, a stack and a handler. */
function freshApp(framework: Framework, tarball: string): FreshApp {
  const dir = mkdtempSync(path.join(tmpdir(), `gcx-fresh-${framework}-`));
  writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: `fresh-${framework}-app`, version: "1.0.0", private: true, main: "main.js", types: "main.ts" }, null, 2)}\n`,
  );
  cpSync(TEMPLATE_TSCONFIG, path.join(dir, "tsconfig.json"));
  writeFileSync(path.join(dir, "handler.ts"), HANDLER);
  writeFileSync(path.join(dir, "main.ts"), mainTs(framework));
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  for (const args of readmeInstallLines(readme, framework)) {
    const withTarball = args.map((arg) => (arg === "cdktf-genesys-consumer" ? tarball : arg));
    run(dir, "npm", ["install", ...withTarball, "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"]);
  }
  return { dir, framework };
}

function synthesized(app: FreshApp): { json: { resource: Record<string, Record<string, unknown>> }; bundle: string } {
  run(app.dir, path.join(app.dir, "node_modules", ".bin", "ts-node"), ["main.ts"]);
  const json = JSON.parse(readFileSync(path.join(app.dir, "cdktf.out", "stacks", "messaging", "cdk.tf.json"), "utf8"));
  const out = path.join(app.dir, "node_modules", ".cache", "cdktf-genesys-consumer", "out");
  const bundles = readdirSync(out).map((hash) => path.join(out, hash, "index.js"));
  if (bundles.length !== 1) throw new Error(`expected one worker bundle (both pipelines share the handler), found ${bundles.length}`);
  return { json, bundle: bundles[0] };
}

describe("the packed package", () => {
  let scratch: string;
  let tarball: string;
  let packed: string;
  const apps: FreshApp[] = [];

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), "gcx-pack-"));
    execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "pipe" });
    const out = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", scratch], {
      cwd: root,
      encoding: "utf8",
    });
    tarball = path.join(scratch, out.trim().split("\n").pop() as string);
    packed = path.join(scratch, "package");
    mkdirSync(packed);
    execFileSync("tar", ["-xzf", tarball, "-C", packed, "--strip-components=1"]);
  }, 240_000);

  afterAll(() => {
    for (const dir of [scratch, ...apps.map((a) => a.dir)]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("ships the built entry points of both flavours, the ESM runtime, declarations, the CLI and the docs, and no library sources or tests", () => {
    for (const file of [
      "dist/lib/index.js",
      "dist/lib/index.d.ts",
      "dist/lib/runtime/index.js",
      "dist/lib/runtime/index.d.ts",
      "dist/esm/runtime/index.js",
      "dist/cdktn/lib/index.js",
      "dist/cdktn/lib/index.d.ts",
      "dist/bin/cli.js",
      "LICENSE",
      "README.md",
    ]) {
      expect(existsSync(path.join(packed, file))).toBe(true);
    }
    for (const absent of ["test", "lib", "scripts", "bench"]) expect(existsSync(path.join(packed, absent))).toBe(false);
    // the guides, decision records and examples the README links to ship with it
    for (const doc of ["docs/README.md", "docs/guides/constructs.md", "docs/decisions", "examples/basic/stack.ts", "CONTRIBUTING.md"]) {
      expect(existsSync(path.join(packed, doc))).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(path.join(packed, "package.json"), "utf8"));
    expect(manifest.scripts?.postinstall).toBeUndefined();
    // The framework packages are peers, never bundled copies.
    for (const peer of ["cdktf", "cdktn", "constructs", "@cdktf/provider-aws", "@cdktn/provider-aws"]) {
      expect(manifest.dependencies[peer]).toBeUndefined();
      expect(manifest.peerDependencies[peer]).toBeDefined();
    }
    expect(manifest.dependencies["@types/aws-lambda"]).toBeDefined();
  });

  it("renames only the framework imports in the CDK Terrain flavour, and shares every framework-free module", () => {
    const cdktnLib = path.join(packed, "dist", "cdktn", "lib");
    const files = readdirSync(cdktnLib, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"));
    const code = files.map((f) => readFileSync(path.join(cdktnLib, f), "utf8")).join("\n");
    expect(code).not.toMatch(/["']cdktf["']|["']@cdktf\//);
    expect(code).toMatch(/require\("cdktn"\)/);
    expect(existsSync(path.join(cdktnLib, "runtime"))).toBe(false);
  });

  it("requires both entry points and the cdktn flavour by package name", () => {
    // Inside this repository's node_modules, so the package's dependencies (and both
    // frameworks) resolve from there without an install.
    // node_modules/.cache exists only once something cached there (a synth's bundles): make it
    const cache = path.join(root, "node_modules", ".cache");
    mkdirSync(cache, { recursive: true });
    const project = mkdtempSync(path.join(cache, "gcx-pack-import-"));
    try {
      cpSync(packed, path.join(project, "node_modules", "cdktf-genesys-consumer"), { recursive: true });
      const script = [
        'const lib = require("cdktf-genesys-consumer");',
        'const cdktn = require("cdktf-genesys-consumer/cdktn");',
        'const runtime = require("cdktf-genesys-consumer/runtime");',
        "const header = runtime.sign('{}', 'a-secret-of-16-chars');",
        "console.log(JSON.stringify({ lib: Object.keys(lib).sort(), cdktn: Object.keys(cdktn).sort(), runtime: Object.keys(runtime).sort(), verified: runtime.verify('{}', header, ['a-secret-of-16-chars']) }));",
      ].join("\n");
      const result = JSON.parse(execFileSync("node", ["-e", script], { cwd: project, encoding: "utf8" })) as {
        lib: string[];
        cdktn: string[];
        runtime: string[];
        verified: boolean;
      };
      expect(result.runtime).toEqual(
        expect.arrayContaining(["sign", "verify", "parseWorkerContract", "SYNTHETIC_KEY", "DEAD_LETTER_ATTRIBUTE", "createWorker"]),
      );
      expect(result.verified).toBe(true);
      expect(result.lib).toEqual(expect.arrayContaining(["ConsumerPipeline", "GenesysProvider"]));
      expect(result.cdktn).toEqual(result.lib);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  describe.each(["cdktf", "cdktn"] as const)("a fresh %s app installed as the README says", (framework) => {
    let app: FreshApp;
    beforeAll(() => {
      app = freshApp(framework, tarball);
      apps.push(app);
    }, 300_000);

    it("holds one copy of constructs and of the framework, both the app's own", () => {
      const nested = path.join(app.dir, "node_modules", "cdktf-genesys-consumer", "node_modules");
      for (const name of ["constructs", framework]) expect(existsSync(path.join(nested, name))).toBe(false);
      const other = framework === "cdktf" ? "cdktn" : "cdktf";
      expect(existsSync(path.join(app.dir, "node_modules", other))).toBe(false);
    });

    it("runs the CLI from the app's node_modules/.bin", () => {
      const help = run(app.dir, path.join(app.dir, "node_modules", ".bin", "cdktf-genesys-consumer"), ["--help"]);
      expect(help).toContain("Usage: cdktf-genesys-consumer");
    });

    it("type-checks with the framework's default tsconfig, and with skipLibCheck false", () => {
      const tsc = path.join(app.dir, "node_modules", ".bin", "tsc");
      expect(run(app.dir, tsc, ["--noEmit", "-p", "."])).toBe("");
      expect(run(app.dir, tsc, ["--noEmit", "-p", ".", "--skipLibCheck", "false", "--incremental", "false"])).toBe("");
    }, 120_000);

    it("synthesizes two pipelines, and bundles the worker as lean as in this repository", () => {
      const { json, bundle } = synthesized(app);
      expect(Object.keys(json.resource.aws_lambda_function)).toHaveLength(2);
      expect(Object.keys(json.resource.aws_sqs_queue).length).toBeGreaterThanOrEqual(4);
      const names = Object.values(json.resource.aws_sqs_queue).map((q) => (q as { name: string }).name);
      expect(new Set(names).size).toBe(names.length);

      const inRepo = bundleEntry({ entry: path.join(app.dir, "handler.ts"), cacheDir: path.join(scratch, `bundle-${framework}`) });
      const fromPackage = statSync(bundle).size;
      // The ESM runtime lets esbuild drop the load generator: no HTML report, no spike runner.
      expect(readFileSync(bundle, "utf8")).not.toContain("<!doctype html>");
      expect(fromPackage).toBeLessThanOrEqual(inRepo.sizeBytes * 1.05);
    }, 180_000);
  });
});
