/**
 * Resolves the Terraform references of a synthesized stack to the local equivalents:
 * queue URLs on the local SQS server, ARNs in the local account, table and secret names,
 * the run's generated `random_password` values, and the data sources the stack reads.
 */
import { createHash, randomInt } from "node:crypto";
import { LocalEmulatorError } from "./errors";
import { evaluateTemplate, ExpressionError, hasInterpolation } from "./expressions";
import { DATA_SOURCE_SUPPORT, supportOf, type SynthesizedStack, type TfItem } from "./stack";

/** The local account the stack is resolved into. */
export interface LocalAccount {
  /** Default: the stack's aws provider region, else us-east-1. */
  readonly region: string;
  /** Default 123456789012 (the account local-aws-sqs uses in its queue URLs). */
  readonly accountId: string;
  /** Base URL of the local SQS server, e.g. http://127.0.0.1:4566. */
  readonly sqsEndpoint: string;
  /** Base URL of each REST API's local server, by the aws_api_gateway_rest_api address (stage invoke URLs are built from it). */
  readonly apiEndpoints: Readonly<Record<string, string>>;
  /** ARNs the local Secrets Manager server gave each secret, by secret name (default: an ARN computed like AWS's). */
  readonly secretArns?: Readonly<Record<string, string>>;
  /** The local Genesys organization id. */
  readonly orgId: string;
}

/** The account id local-aws-sqs answers with; ARNs in the local run use it too. */
export const LOCAL_ACCOUNT_ID = "123456789012";

/** Thrown when a reference cannot be resolved to a local value. */
export class ResolveError extends LocalEmulatorError {
  override readonly name = "ResolveError";
}

type Computed = (item: TfItem, r: StackResolver) => Record<string, unknown>;

const stableId = (seed: string, length: number): string =>
  createHash("sha256")
    .update(seed)
    .digest("base64")
    .replace(/[^a-z0-9]/gi, "")
    .toLowerCase()
    .slice(0, length);

function generatedName(item: TfItem, r: StackResolver, maxLength = 80): string {
  const name = r.configValue(item, "name");
  if (typeof name === "string" && name) return name;
  const prefix = r.configValue(item, "name_prefix");
  if (typeof prefix === "string" && prefix) return (prefix + stableId(item.address, 26)).slice(0, maxLength);
  return `terraform-${stableId(item.address, 26)}`.slice(0, maxLength);
}

const arn = (r: StackResolver, service: string, resource: string, global = false): string =>
  `arn:aws:${service}:${global ? "" : r.account.region}:${r.account.accountId}:${resource}`;

/** Attributes a resource type computes at apply time (what Terraform would know after create). */
const COMPUTED: Record<string, Computed> = {
  aws_sqs_queue: (item, r) => {
    let name = generatedName(item, r);
    if (r.configValue(item, "fifo_queue") === true && !name.endsWith(".fifo")) name = `${name.slice(0, 75)}.fifo`;
    const url = `${r.account.sqsEndpoint}/${r.account.accountId}/${name}`;
    return { name, url, id: url, arn: arn(r, "sqs", name) };
  },
  aws_dynamodb_table: (item, r) => {
    const name = generatedName(item, r, 255);
    return { name, id: name, arn: arn(r, "dynamodb", `table/${name}`) };
  },
  aws_secretsmanager_secret: (item, r) => {
    const name = generatedName(item, r, 512);
    const secretArn = r.account.secretArns?.[name] ?? arn(r, "secretsmanager", `secret:${name}-${stableId(item.address, 6)}`);
    return { name, arn: secretArn, id: secretArn };
  },
  aws_secretsmanager_secret_version: (item, r) => {
    const secretArn = r.configValue(item, "secret_id");
    const versionId = `${stableId(item.address, 8)}-0000-4000-8000-${stableId(item.address + "v", 12)}`;
    return { arn: secretArn, version_id: versionId, id: `${String(secretArn)}|${versionId}` };
  },
  random_password: (item, r) => ({ result: r.password(item), id: "none" }),
  aws_lambda_function: (item, r) => {
    const name = String(r.configValue(item, "function_name"));
    const fnArn = arn(r, "lambda", `function:${name}`);
    return {
      function_name: name,
      id: name,
      arn: fnArn,
      qualified_arn: `${fnArn}:$LATEST`,
      version: "$LATEST",
      invoke_arn: `arn:aws:apigateway:${r.account.region}:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
    };
  },
  aws_s3_bucket: (item, r) => {
    const configured = r.configValue(item, "bucket");
    const name = typeof configured === "string" && configured ? configured : `terraform-${stableId(item.address, 26)}`;
    return { bucket: name, id: name, arn: `arn:aws:s3:::${name}`, region: r.account.region };
  },
  aws_lambda_event_source_mapping: (item) => ({ uuid: stableId(item.address, 32), id: stableId(item.address, 32) }),
  aws_cloudwatch_metric_alarm: (item, r) => {
    const name = String(r.configValue(item, "alarm_name"));
    return { id: name, arn: arn(r, "cloudwatch", `alarm:${name}`) };
  },
  aws_api_gateway_rest_api: (item, r) => {
    const id = stableId(item.address, 10);
    return {
      id,
      root_resource_id: stableId(item.address + "/", 10),
      execution_arn: arn(r, "execute-api", id),
      arn: `arn:aws:apigateway:${r.account.region}::/restapis/${id}`,
    };
  },
  aws_api_gateway_resource: (item, r) => {
    // `path` is computed on demand: resolving it looks up the other resources' ids.
    const path = () => {
      const parent = r.configValue(item, "parent_id");
      const parentItem = r.stack.resources.find(
        (x) => x !== item && x.type === "aws_api_gateway_resource" && r.attribute(x, "id") === parent,
      );
      const parentPath = parentItem ? String(r.attribute(parentItem, "path")) : "";
      return `${parentPath}/${String(r.configValue(item, "path_part"))}`;
    };
    return { id: stableId(item.address, 6), path };
  },
  aws_api_gateway_stage: (item, r) => {
    const stage = String(r.configValue(item, "stage_name"));
    const api = String(r.configValue(item, "rest_api_id"));
    const invokeUrl = () => {
      const apiItem = r.stack.resources.find((x) => x.type === "aws_api_gateway_rest_api" && r.attribute(x, "id") === api);
      const endpoint = apiItem ? r.account.apiEndpoints[apiItem.address] : undefined;
      if (!endpoint) throw new ResolveError(`cannot resolve ${item.address}.invoke_url: no local server for REST API ${api}`);
      return `${endpoint}/${stage}`;
    };
    return {
      id: `ags-${api}-${stage}`,
      invoke_url: invokeUrl,
      execution_arn: `${arn(r, "execute-api", api)}/${stage}`,
      arn: `arn:aws:apigateway:${r.account.region}::/restapis/${api}/stages/${stage}`,
    };
  },
  aws_api_gateway_deployment: (item, r) => ({
    id: stableId(item.address, 6),
    execution_arn: arn(r, "execute-api", String(r.configValue(item, "rest_api_id"))),
  }),
  aws_api_gateway_api_key: (item, r) => {
    const id = stableId(item.address, 10);
    // a key without a configured value gets one generated for the run, as API Gateway would
    const value = () => (item.config.value !== undefined ? r.configValue(item, "value") : r.generated(item, 40));
    return { id, arn: `arn:aws:apigateway:${r.account.region}::/apikeys/${id}`, value };
  },
  aws_api_gateway_usage_plan: (item, r) => {
    const id = stableId(item.address, 6);
    return { id, arn: `arn:aws:apigateway:${r.account.region}::/usageplans/${id}` };
  },
  aws_api_gateway_usage_plan_key: (item, r) => {
    const key = r.stack.resources.find(
      (x) => x.type === "aws_api_gateway_api_key" && r.attribute(x, "id") === r.configValue(item, "key_id"),
    );
    return {
      id: String(r.configValue(item, "key_id")),
      name: key ? String(r.configValue(key, "name")) : "",
      value: () => (key ? r.attribute(key, "value") : undefined),
    };
  },
  aws_iam_role: (item, r) => {
    const name = generatedName(item, r, 64);
    return { name, id: name, arn: arn(r, "iam", `role/${name}`, true), unique_id: stableId(item.address, 21).toUpperCase() };
  },
  aws_iam_policy: (item, r) => {
    const name = generatedName(item, r, 128);
    const policyArn = arn(r, "iam", `policy/${name}`, true);
    return { name, id: policyArn, arn: policyArn };
  },
  aws_sns_topic: (item, r) => {
    const name = generatedName(item, r, 256);
    const topicArn = arn(r, "sns", name);
    return { name, id: topicArn, arn: topicArn };
  },
  aws_cloudwatch_log_group: (item, r) => {
    const name = generatedName(item, r, 512);
    return { name, id: name, arn: arn(r, "logs", `log-group:${name}`) };
  },
  aws_kms_key: (item, r) => {
    const keyId = `${stableId(item.address, 8)}-0000-4000-8000-${stableId(item.address + "k", 12)}`;
    return { id: keyId, key_id: keyId, arn: arn(r, "kms", `key/${keyId}`) };
  },
};

function renderPolicyDocument(item: TfItem, r: StackResolver): string {
  const statements = (r.configValue(item, "statement") as Record<string, unknown>[] | undefined) ?? [];
  const one = (v: unknown) => (Array.isArray(v) && v.length === 1 ? v[0] : v);
  const doc = {
    Version: (r.configValue(item, "version") as string | undefined) ?? "2012-10-17",
    Statement: statements.map((s) => {
      const out: Record<string, unknown> = {};
      if (s.sid) out.Sid = s.sid;
      out.Effect = s.effect ?? "Allow";
      for (const [key, name] of [
        ["actions", "Action"],
        ["not_actions", "NotAction"],
        ["resources", "Resource"],
        ["not_resources", "NotResource"],
      ] as const) {
        if (s[key] !== undefined) out[name] = one(s[key]);
      }
      for (const [key, name] of [
        ["principals", "Principal"],
        ["not_principals", "NotPrincipal"],
      ] as const) {
        const list = s[key] as { type: string; identifiers: string[] }[] | undefined;
        if (!list) continue;
        if (list.length === 1 && list[0].type === "*" && list[0].identifiers.length === 1 && list[0].identifiers[0] === "*")
          out[name] = "*";
        else out[name] = Object.fromEntries(list.map((p) => [p.type, one(p.identifiers)]));
      }
      const conditions = s.condition as { test: string; variable: string; values: string[] }[] | undefined;
      if (conditions?.length) {
        const c: Record<string, Record<string, unknown>> = {};
        for (const cond of conditions) (c[cond.test] ??= {})[cond.variable] = one(cond.values);
        out.Condition = c;
      }
      return out;
    }),
  };
  return JSON.stringify(doc);
}

const DATA: Record<string, (item: TfItem, r: StackResolver) => Record<string, unknown>> = {
  aws_caller_identity: (_i, r) => ({
    account_id: r.account.accountId,
    id: r.account.accountId,
    arn: `arn:aws:iam::${r.account.accountId}:root`,
    user_id: r.account.accountId,
  }),
  aws_region: (_i, r) => ({
    name: r.account.region,
    region: r.account.region,
    id: r.account.region,
    endpoint: `ec2.${r.account.region}.amazonaws.com`,
    description: r.account.region,
  }),
  aws_partition: () => ({ partition: "aws", id: "aws", dns_suffix: "amazonaws.com", reverse_dns_prefix: "com.amazonaws" }),
  aws_iam_policy_document: (item, r) => {
    const json = renderPolicyDocument(item, r);
    return { json, minified_json: json, id: stableId(json, 10) };
  },
  genesyscloud_organizations_me: (_i, r) => ({
    id: r.account.orgId,
    name: "local-org",
    domain: "local",
    thirdparty_org_name: "local-org",
    default_country_code: "US",
    default_language: "en-us",
    default_site_id: "local-site",
  }),
};

/** Resolves attributes of a synthesized stack's resources to local values. */
export class StackResolver {
  private readonly byAddress = new Map<string, TfItem>();
  private readonly cache = new Map<string, unknown>();
  private readonly resolving = new Set<string>();
  private readonly passwords = new Map<string, string>();

  constructor(
    readonly stack: SynthesizedStack,
    readonly account: LocalAccount,
  ) {
    for (const item of [...stack.resources, ...stack.dataSources]) this.byAddress.set(item.address, item);
  }

  /** The item at an address; throws naming it when absent. */
  item(address: string): TfItem {
    const item = this.byAddress.get(address);
    if (!item) throw new ResolveError(`the stack references ${address}, which it does not declare`);
    return item;
  }

  /** A configuration attribute, references resolved (undefined when not set). */
  configValue(item: TfItem, attribute: string): unknown {
    const raw = item.config[attribute];
    return raw === undefined ? undefined : this.resolve(raw, `${item.address}.${attribute}`);
  }

  /** The name a secret gets (its ARN is not needed to know it). */
  secretName(item: TfItem): string {
    return generatedName(item, this, 512);
  }

  /** The whole configuration, references resolved (the cdktf metadata key dropped). */
  config(item: TfItem): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(item.config)) {
      if (key === "//" || key === "depends_on" || key === "lifecycle" || key === "provider") continue;
      out[key] = this.configValue(item, key);
    }
    return out;
  }

  /** One attribute of a resource or data source: configured, else computed locally. */
  attribute(item: TfItem, attribute: string): unknown {
    const key = `${item.address}.${attribute}`;
    if (this.cache.has(key)) return this.cache.get(key);
    if (this.resolving.has(key)) throw new ResolveError(`circular reference through ${key}`);
    this.resolving.add(key);
    try {
      let value: unknown;
      const computed = this.computed(item);
      if (attribute in computed) {
        value = computed[attribute];
        if (typeof value === "function") value = (value as () => unknown)();
      } else if (item.config[attribute] !== undefined) value = this.configValue(item, attribute);
      else if (item.mode === "resource" && computed === GENERIC && (attribute === "id" || attribute === "arn")) {
        value = attribute === "id" ? item.address : `arn:aws:local:${this.account.region}:${this.account.accountId}:${item.address}`;
      } else {
        throw new ResolveError(
          `cannot resolve ${key}: the local emulator knows no value for "${attribute}" of ${item.mode === "data" ? "data source" : "resource"} type ${item.type}`,
        );
      }
      this.cache.set(key, value);
      return value;
    } finally {
      this.resolving.delete(key);
    }
  }

  private computed(item: TfItem): Record<string, unknown> {
    const key = `${item.address}#computed`;
    if (this.cache.has(key)) return this.cache.get(key) as Record<string, unknown>;
    let value: Record<string, unknown>;
    if (item.mode === "data") {
      const fn = DATA[item.type];
      if (!fn)
        throw new ResolveError(
          `cannot resolve ${item.address}: data source type ${item.type} is not one the local emulator answers (it answers ${Object.keys(DATA_SOURCE_SUPPORT).join(", ")})`,
        );
      value = fn(item, this);
    } else {
      const fn = COMPUTED[item.type];
      if (!fn && !supportOf(item.type))
        throw new ResolveError(`cannot resolve ${item.address}: resource type ${item.type} is not supported by the local emulator`);
      value = fn ? fn(item, this) : GENERIC;
    }
    this.cache.set(key, value);
    return value;
  }

  /** Follows a reference traversal (["aws_sqs_queue", "q", "arn", ...]). */
  lookup(traversal: readonly (string | number)[], where: string): unknown {
    const [root, ...rest] = traversal.map(String);
    let address: string;
    let path: (string | number)[];
    if (root === "data") {
      address = `data.${rest[0]}.${rest[1]}`;
      path = traversal.slice(3);
    } else if (root === "path" && (rest[0] === "module" || rest[0] === "root" || rest[0] === "cwd")) {
      return this.stack.dir;
    } else if (["var", "local", "module", "each", "count", "self", "terraform", "path"].includes(root)) {
      throw new ResolveError(
        `cannot resolve ${traversal.join(".")} in ${where}: ${root}.* references are not supported by the local emulator`,
      );
    } else {
      address = `${root}.${rest[0]}`;
      path = traversal.slice(2);
    }
    if (path.length === 0) throw new ResolveError(`cannot resolve ${address} in ${where}: a whole-resource reference has no local value`);
    const item = this.byAddress.get(address);
    if (!item) throw new ResolveError(`cannot resolve ${traversal.join(".")} in ${where}: the stack declares no ${address}`);
    let value = this.attribute(item, String(path[0]));
    for (const step of path.slice(1)) {
      if (value === null || typeof value !== "object")
        throw new ResolveError(`cannot resolve ${traversal.join(".")} in ${where}: ${String(step)} of a non-object`);
      value = (value as Record<string | number, unknown>)[step];
    }
    return value;
  }

  /** Deep-resolves a synthesized value: every string is evaluated as a Terraform template. */
  resolve(value: unknown, where: string): unknown {
    if (typeof value === "string") {
      if (!hasInterpolation(value) && !value.includes("$${") && !value.includes("%%{")) return value;
      try {
        return evaluateTemplate(value, (t) => this.lookup(t, where));
      } catch (error) {
        if (error instanceof ExpressionError) throw new ResolveError(`cannot resolve ${where}: ${error.message}`);
        throw error;
      }
    }
    if (Array.isArray(value)) return value.map((v, i) => this.resolve(v, `${where}[${i}]`));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v, `${where}.${k}`)]));
    }
    return value;
  }

  /** A value generated once for the run for an item (letters and digits), e.g. an API key without a configured value. */
  generated(item: TfItem, length: number): string {
    const existing = this.passwords.get(`${item.address}#generated`);
    if (existing) return existing;
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const value = Array.from({ length }, () => chars[randomInt(chars.length)]).join("");
    this.passwords.set(`${item.address}#generated`, value);
    return value;
  }

  /** The run's value of a random_password (generated once, honouring its synthesized rules). */
  password(item: TfItem): string {
    const existing = this.passwords.get(item.address);
    if (existing) return existing;
    const cfg = this.config(item);
    const length = Number(cfg.length ?? 16);
    const classes: [string, boolean, number][] = [
      ["abcdefghijklmnopqrstuvwxyz", cfg.lower !== false, Number(cfg.min_lower ?? 0)],
      ["ABCDEFGHIJKLMNOPQRSTUVWXYZ", cfg.upper !== false, Number(cfg.min_upper ?? 0)],
      ["0123456789", cfg.numeric !== false && cfg.number !== false, Number(cfg.min_numeric ?? 0)],
      [
        typeof cfg.override_special === "string" ? cfg.override_special : "!@#$%&*()-_=+[]{}<>:?",
        cfg.special !== false,
        Number(cfg.min_special ?? 0),
      ],
    ];
    const enabled = classes.filter(([chars, on]) => on && chars.length > 0);
    if (!enabled.length) throw new ResolveError(`${item.address}: every character class is disabled`);
    const pick = (chars: string) => chars[randomInt(chars.length)];
    const chars: string[] = [];
    for (const [set, , min] of enabled) for (let i = 0; i < min; i++) chars.push(pick(set));
    const all = enabled.map(([set]) => set).join("");
    while (chars.length < length) chars.push(pick(all));
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    const value = chars.join("");
    this.passwords.set(item.address, value);
    return value;
  }
}

const GENERIC: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
