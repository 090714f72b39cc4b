/**
 * The emulator's metric filters on a stage's access log (lib/local/access-log.ts): a record in
 * the synthesized format, one JSON condition, dimensions from fields; other patterns refused.
 */
import { accessLogRecord, metricPoints, parseMetricFilter, UnsupportedMetricFilterError, type AccessLog } from "../../lib/local/access-log";
import type { StackResolver } from "../../lib/local/resolver";
import type { TfItem } from "../../lib/local/stack";

const FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  status: "$context.status",
  apiId: "$context.apiId",
  stage: "$context.stage",
  error: "$context.error.message",
});
const filter = {
  address: "aws_cloudwatch_log_metric_filter.f",
  field: "status",
  operator: "=",
  value: "413",
  namespace: "GenesysConsumer/Ingress",
  metricName: "BodyTooLarge",
  metricValue: "1",
  dimensions: { ApiId: "$.apiId", Stage: "$.stage" },
} as const;
const log: AccessLog = { format: FORMAT, filters: [filter] };

describe("access-log metric filters", () => {
  it("writes a record in the synthesized format and counts a matching one under its dimensions", () => {
    const record = accessLogRecord(FORMAT, { requestId: "r-1", status: 413, apiId: "a1b2c3", stage: "v1" });
    expect(JSON.parse(record)).toEqual({ requestId: "r-1", status: "413", apiId: "a1b2c3", stage: "v1", error: "-" });
    expect(metricPoints(log, record)).toEqual([
      { namespace: "GenesysConsumer/Ingress", metricName: "BodyTooLarge", dimensions: { ApiId: "a1b2c3", Stage: "v1" }, value: 1 },
    ]);
    expect(metricPoints(log, accessLogRecord(FORMAT, { requestId: "r-2", status: 200, apiId: "a1b2c3", stage: "v1" }))).toEqual([]);
  });

  it("compares a quoted value as a string and publishes nothing without a dimension's field or for a record that is not JSON", () => {
    expect(
      metricPoints(
        { format: FORMAT, filters: [{ ...filter, value: 413 }] },
        accessLogRecord(FORMAT, { status: 413, apiId: "a", stage: "v1" }),
      ),
    ).toEqual([]);
    expect(
      metricPoints(
        { format: FORMAT, filters: [{ ...filter, dimensions: { Missing: "$.nope" } }] },
        accessLogRecord(FORMAT, { status: 413 }),
      ),
    ).toEqual([]);
    // an unescaped quote in a value makes the record not JSON, as on AWS
    expect(metricPoints(log, accessLogRecord(FORMAT, { status: 413, apiId: "a", stage: "v1", "error.message": 'say "hi"' }))).toEqual([]);
  });

  it("parses the one-condition JSON form and refuses any other pattern, naming it", () => {
    const item = {
      address: "aws_cloudwatch_log_metric_filter.f",
      type: "aws_cloudwatch_log_metric_filter",
      name: "f",
      mode: "managed",
      config: {},
    } as unknown as TfItem;
    const resolverFor = (pattern: string) =>
      ({
        configValue: (_i: TfItem, key: string) =>
          key === "pattern" ? pattern : { namespace: "N", name: "M", value: "1", dimensions: { Stage: "$.stage" } },
      }) as unknown as StackResolver;
    expect(parseMetricFilter(resolverFor('{ $.status = "413" }'), item)).toEqual({
      ...filter,
      namespace: "N",
      metricName: "M",
      dimensions: { Stage: "$.stage" },
    });
    expect(() => parseMetricFilter(resolverFor('{ $.status = "4*" }'), item)).toThrow(
      new UnsupportedMetricFilterError(
        'aws_cloudwatch_log_metric_filter.f: the filter pattern "{ $.status = \\"4*\\" }" is not evaluated locally (one JSON condition { $.field = "text" } or { $.field = number } is)',
      ),
    );
    expect(() => parseMetricFilter(resolverFor("ERROR"), item)).toThrow(UnsupportedMetricFilterError);
  });
});
