/**
 * The nightly path: a reports bucket the stack names (the generator's GCX_REPORTS_BUCKET, the
 * team's `reports.bucket`) but does not create is served by the local S3 server, listed as
 * such, and the functions are pointed at it: never real S3, never reports silently dropped.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOADGEN_CONTRACT } from "../../lib/runtime/contract";
import { s3ObjectStore } from "../../lib/runtime/loadgen/report-store";
import { MetricStore } from "../../lib/local/metrics";
import { renderNightlySummary, startNightlyPath } from "../../lib/local/nightly";
import { StackResolver } from "../../lib/local/resolver";
import { LOCAL_CREDENTIALS } from "../../lib/local/services";
import { parseStack } from "../../lib/local/stack";

const account = { region: "eu-west-1", accountId: "123456789012", sqsEndpoint: "http://127.0.0.1:1", apiEndpoints: {}, orgId: "o" };

describe("local nightly path", () => {
  test("serves the team's reports bucket the stack references but does not create, and says so", async () => {
    const resolver = new StackResolver(
      parseStack(
        {
          resource: {
            aws_lambda_function: {
              spike: {
                function_name: "spike-fn",
                filename: "spike.zip",
                handler: "index.handler",
                environment: {
                  variables: {
                    [LOADGEN_CONTRACT.targetUrl.env]: "https://example.invalid/v1",
                    [LOADGEN_CONTRACT.reportsBucket.env]: "team-reports-123",
                  },
                },
              },
            },
          },
        },
        "/tmp/x",
      ),
      account,
    );
    const reportDir = mkdtempSync(join(tmpdir(), "gcx-nightly-test-"));
    const nightly = await startNightlyPath({
      resolver,
      region: "eu-west-1",
      metrics: new MetricStore(),
      reportDir,
      environmentOf: (_fn, extra) => ({ ...extra }),
    });
    try {
      // the functions (the generator included) get the local S3 endpoint, not the regional one
      expect(nightly.s3?.buckets.map((b) => b.name)).toEqual(["team-reports-123"]);
      expect(nightly.environment.AWS_ENDPOINT_URL_S3).toBe(nightly.s3!.endpoint);
      const store = s3ObjectStore({
        bucket: "team-reports-123",
        caBundle: nightly.s3!.caFile,
        client: { endpoint: nightly.environment.AWS_ENDPOINT_URL_S3, region: "eu-west-1", credentials: LOCAL_CREDENTIALS },
      });
      await store.put("spike-reports/spike-fn/history.json", '{"runs":[]}', "application/json");
      store.destroy();
      const report = nightly.report({ startMs: Date.now() });
      expect(report.teamBuckets).toEqual(["team-reports-123"]);
      expect(report.s3?.buckets).toEqual({ "team-reports-123": ["spike-reports/spike-fn/history.json"] });
      expect(renderNightlySummary(report).join("\n")).toMatch(
        /team-reports-123: the team's \(the stack does not create it\), served locally/,
      );
    } finally {
      await nightly.close();
      rmSync(reportDir, { recursive: true, force: true });
    }
  });
});
