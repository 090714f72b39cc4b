/**
 * A stage's access log as CloudWatch Logs metric filters see it: the local REST API writes one
 * record per request in the synthesized `access_log_settings.format`, and each
 * `aws_cloudwatch_log_metric_filter` on that log group turns matching records into data points
 * of its metric, so an alarm on such a metric is evaluated locally as on AWS.
 *
 * Filter patterns: the JSON form `{ $.field = "text" }` / `{ $.field != "text" }` (string) and
 * `{ $.field = 413 }` (number), one condition ("Using filter patterns to match terms in JSON
 * log events", Amazon CloudWatch Logs user guide). Any other pattern on an access log stops the
 * run (never silently ignored); a filter on another log group publishes nothing locally.
 */
import { LocalEmulatorError } from "./errors";
import type { StackResolver } from "./resolver";
import { ofType, type TfItem } from "./stack";

/** One metric filter on an access log, parsed. */
export interface AccessLogMetricFilter {
  readonly address: string;
  readonly field: string;
  readonly operator: "=" | "!=";
  /** The value compared: a string (quoted in the pattern) or a number. */
  readonly value: string | number;
  readonly namespace: string;
  readonly metricName: string;
  /** A number, or `$.field` for a field's value. */
  readonly metricValue: string;
  /** Dimension name -> `$.field` selector. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** A stage's access log: its format and the metric filters on its log group. */
export interface AccessLog {
  readonly format: string;
  readonly filters: readonly AccessLogMetricFilter[];
}

/** Thrown for a metric filter pattern the emulator cannot evaluate. */
export class UnsupportedMetricFilterError extends LocalEmulatorError {
  override readonly name = "UnsupportedMetricFilterError";
}

const PATTERN = /^\{\s*\$\.([A-Za-z0-9_.]+)\s*(=|!=)\s*(?:"([^"*]*)"|(-?\d+(?:\.\d+)?))\s*\}$/;

/** Parses one `aws_cloudwatch_log_metric_filter`. */
export function parseMetricFilter(resolver: StackResolver, item: TfItem): AccessLogMetricFilter {
  const pattern = String(resolver.configValue(item, "pattern") ?? "").trim();
  const m = PATTERN.exec(pattern);
  if (!m)
    throw new UnsupportedMetricFilterError(
      `${item.address}: the filter pattern ${JSON.stringify(pattern)} is not evaluated locally (one JSON condition { $.field = "text" } or { $.field = number } is)`,
    );
  const transformation = resolver.configValue(item, "metric_transformation") as
    Record<string, unknown> | Record<string, unknown>[] | undefined;
  const t = (Array.isArray(transformation) ? transformation[0] : transformation) ?? {};
  return {
    address: item.address,
    field: m[1],
    operator: m[2] as "=" | "!=",
    value: m[3] !== undefined ? m[3] : Number(m[4]),
    namespace: String(t.namespace),
    metricName: String(t.name),
    metricValue: String(t.value ?? "1"),
    dimensions: (t.dimensions as Record<string, string> | undefined) ?? {},
  };
}

/** The access log of a stage item: its format and the filters on its destination log group; undefined without access logs. */
export function accessLogOf(resolver: StackResolver, stage: TfItem): AccessLog | undefined {
  const settings = resolver.configValue(stage, "access_log_settings") as Record<string, unknown> | Record<string, unknown>[] | undefined;
  const s = Array.isArray(settings) ? settings[0] : settings;
  if (!s?.format || !s.destination_arn) return undefined;
  const destination = String(s.destination_arn);
  const group = ofType(resolver.stack, "aws_cloudwatch_log_group").find((g) => resolver.attribute(g, "arn") === destination);
  const groupName = group ? String(resolver.attribute(group, "name")) : undefined;
  const filters = ofType(resolver.stack, "aws_cloudwatch_log_metric_filter")
    .filter((f) => groupName !== undefined && resolver.configValue(f, "log_group_name") === groupName)
    .map((f) => parseMetricFilter(resolver, f));
  return { format: String(s.format), filters };
}

/**
 * One access-log record: the format with each `$context.<name>` replaced by its value as it is
 * (not escaped: API Gateway offers `$context.error.messageString` for a quoted message), `-` for a
 * variable the local API does not know (a choice of the emulator; the filters here read fields
 * it always sets: status, apiId, stage). A record that is not JSON matches no JSON pattern.
 */
export function accessLogRecord(format: string, values: Readonly<Record<string, string | number | undefined>>): string {
  return format.replace(/\$context\.([A-Za-z0-9_.]+)/g, (_, name: string) => {
    const value = values[name];
    return value === undefined || value === "" ? "-" : String(value);
  });
}

const fieldOf = (record: Record<string, unknown>, selector: string): unknown =>
  selector
    .replace(/^\$\./, "")
    .split(".")
    .reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), record);

/** The data points a record gives: one per matching filter whose dimension fields are all present. */
export function metricPoints(
  log: AccessLog,
  record: string,
): { namespace: string; metricName: string; dimensions: Record<string, string>; value: number }[] {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(record) as Record<string, unknown>;
  } catch {
    return []; // a JSON pattern matches JSON events only
  }
  const out: { namespace: string; metricName: string; dimensions: Record<string, string>; value: number }[] = [];
  for (const f of log.filters) {
    const actual = fieldOf(parsed, `$.${f.field}`);
    const equal = typeof f.value === "number" ? typeof actual === "number" && actual === f.value : actual === f.value;
    if (equal !== (f.operator === "=")) continue;
    const dimensions: Record<string, string> = {};
    let complete = true;
    for (const [name, selector] of Object.entries(f.dimensions)) {
      const v = fieldOf(parsed, selector);
      // a dimension is published only when its field is in the event
      if (v === undefined || v === null) complete = false;
      else dimensions[name] = String(v);
    }
    if (!complete) continue;
    const value = f.metricValue.startsWith("$.") ? Number(fieldOf(parsed, f.metricValue)) : Number(f.metricValue);
    if (Number.isFinite(value)) out.push({ namespace: f.namespace, metricName: f.metricName, dimensions, value });
  }
  return out;
}
