/**
 * The same sources synthesize the same Terraform with CDK for Terraform and with CDK Terrain.
 * The demo stack is synthesized by each framework in its own process (the framework imports
 * are mapped by test/helpers/framework-hook.ts), and the two outputs are compared whole,
 * apart from what each framework writes of itself:
 * - `//.metadata.version`: the framework's own version (0.21.x or 0.24.x);
 * - `terraform.required_providers.<name>.version`: each prebuilt provider package pins the
 *   Terraform provider it was generated from (@cdktf/provider-aws 21.x: aws 6.25.0;
 *   @cdktn/provider-aws 25.x: a later 6.x);
 * - `terraform.required_providers.aws.source`: cdktf writes `aws`, CDK Terrain
 *   `hashicorp/aws`; Terraform reads both as registry.terraform.io/hashicorp/aws.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");

type Json = Record<string, unknown>;
interface Synth {
  readonly json: Json;
  readonly assets: string[];
}

function synthDemo(framework: "cdktf" | "cdktn", outdir: string): Synth {
  execFileSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "-r", "./test/helpers/framework-hook.ts", "test/helpers/synth-demo.ts", outdir],
    {
      cwd: root,
      env: { ...process.env, GCX_FRAMEWORK: framework, CHECKPOINT_DISABLE: "1" },
      stdio: "pipe",
    },
  );
  const stackDir = path.join(outdir, "stacks", "demo");
  const assetsDir = path.join(stackDir, "assets");
  const assets = readdirSync(assetsDir, { recursive: true, encoding: "utf8" }).sort();
  return { json: JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as Json, assets };
}

/** A copy without what each framework writes of itself (see the file comment); returns what it removed. */
function withoutFrameworkFacts(json: Json): { rest: Json; removed: Json } {
  const rest = structuredClone(json) as { "//": { metadata: Json }; terraform: { required_providers: Record<string, Json> } };
  const removed: Json = { metadataVersion: rest["//"].metadata.version };
  delete rest["//"].metadata.version;
  for (const [name, provider] of Object.entries(rest.terraform.required_providers)) {
    removed[`${name}.version`] = provider.version;
    delete provider.version;
    if (name === "aws" && provider.source === "hashicorp/aws") provider.source = "aws";
  }
  return { rest: rest as unknown as Json, removed };
}

describe("cdktf and CDK Terrain synthesize the same demo stack", () => {
  let scratch: string;
  let cdktf: Synth;
  let cdktn: Synth;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), "gcx-parity-"));
    cdktf = synthDemo("cdktf", path.join(scratch, "cdktf"));
    cdktn = synthDemo("cdktn", path.join(scratch, "cdktn"));
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("writes identical resources, data sources, outputs, providers and assets", () => {
    const a = withoutFrameworkFacts(cdktf.json);
    const b = withoutFrameworkFacts(cdktn.json);
    expect(b.rest).toEqual(a.rest);
    expect(cdktn.assets).toEqual(cdktf.assets);
    expect(cdktf.assets.length).toBeGreaterThan(0);
  });

  it("differs only in the framework's version and the provider versions each framework pins", () => {
    const a = withoutFrameworkFacts(cdktf.json).removed;
    const b = withoutFrameworkFacts(cdktn.json).removed;
    expect(a.metadataVersion).toMatch(/^0\.21\./);
    expect(b.metadataVersion).toMatch(/^0\.24\./);
    // The Genesys provider is hand-written here, so both frameworks write the same constraint.
    expect(b["genesyscloud.version"]).toBe(a["genesyscloud.version"]);
    expect(String(a["aws.version"])).toMatch(/^6\./);
    expect(String(b["aws.version"])).toMatch(/^6\./);
    expect((cdktn.json.terraform as { required_providers: Record<string, Json> }).required_providers.aws.source).toBe("hashicorp/aws");
  });
});
