/**
 * The edge API key of a webhook ingress: API keys generated at apply time (`random_password`,
 * never a value in the synthesized JSON) in a usage plan bound to the ingress's stage, with no
 * quota and no throttle (the stage's throttling is the only limit, so Genesys is never
 * throttled by the key), and a Secrets Manager secret holding the current key for the senders
 * that must present it (the Genesys integration's webhook headers, the synthetic spike).
 *
 * It is a flood filter, not authentication: a request without a valid key is refused with 403
 * before the request validator and the template run, so a forged flood is not enqueued; the
 * X-Hub-Signature-256 HMAC, checked by the worker, stays the integrity and authenticity check.
 *
 * Keys are numbered by generation, each a resource of its own, so a rotation adds the next key
 * before anyone sends it and removes the old one after nobody does (two keys valid meanwhile),
 * the same no-drop order as the signing secret's rotation (docs/guides/genesys-cloud.md, "Rotating the edge API key").
 */
import { Construct } from "constructs";
import { type ITerraformDependable } from "cdktf";
import { ApiGatewayApiKey } from "@cdktf/provider-aws/lib/api-gateway-api-key";
import { ApiGatewayUsagePlan } from "@cdktf/provider-aws/lib/api-gateway-usage-plan";
import { ApiGatewayUsagePlanKey } from "@cdktf/provider-aws/lib/api-gateway-usage-plan-key";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { Password } from "@cdktf/provider-random/lib/password";
import { MAX_API_KEY_LENGTH, MIN_API_KEY_LENGTH } from "../runtime/edge-key";
import { Problems, ValidationProblem, isLiteralNumber, prefixed } from "./errors";
import { NAME_LIMITS, physicalName } from "./naming";
import { randomProviderOf } from "./pipeline-secrets";

export const EDGE_API_KEY_DEFAULTS = {
  generation: 1,
  length: 40,
  recoveryWindowInDays: 30,
} as const;

/** The edge API key settings a user gives (the `apiKey` option of the ingress). */
export interface EdgeApiKeyOptions {
  /**
   * The generation of the key in use: the one written to the key secret and to the Genesys
   * integration's webhook headers (an integer ≥ 1). Each generation is its own random value;
   * raising this number is how the key is rotated (docs/guides/genesys-cloud.md, "Rotating the edge API key").
   * @default 1
   */
  readonly generation?: number;
  /**
   * One other generation that stays valid at the edge, in the usage plan but sent by nobody
   * the stack configures: the next key, staged before `generation` moves to it, or the
   * previous one, kept until Genesys and running spikes no longer send it. Remove it to
   * retire that key.
   * @default none: only `generation` is valid
   */
  readonly alsoValidGeneration?: number;
  /**
   * Length of each generated key, characters (letters and digits; API Gateway takes 20..128).
   * @default 40
   */
  readonly length?: number;
  /**
   * Days Secrets Manager keeps the deleted key secret recoverable (0 deletes at once, or 7..30).
   * @default 30
   */
  readonly recoveryWindowInDays?: number;
  /**
   * ARN of a customer-managed KMS key for the key secret.
   * @default none: the AWS managed key `aws/secretsmanager`
   */
  readonly kmsKeyArn?: string;
}

export interface EdgeApiKeyProps extends EdgeApiKeyOptions {
  /** The REST API whose stage the usage plan is bound to. */
  readonly restApiId: string;
  /** The stage name (a reference to the stage resource, so the plan is created after it). */
  readonly stageName: string;
  /** Prepended to every name. @default none */
  readonly namePrefix?: string;
  /** Tags on every taggable resource. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Every problem with edge API key options (prop names prefixed with `prefix`). */
export function validateEdgeApiKeyOptions(options: EdgeApiKeyOptions, prefix?: string): ValidationProblem[] {
  const problems = new Problems();
  const p = (name: string) => prefixed(prefix, name);
  const generation = options.generation ?? EDGE_API_KEY_DEFAULTS.generation;
  for (const [name, value] of [
    ["generation", options.generation],
    ["alsoValidGeneration", options.alsoValidGeneration],
  ] as const) {
    if (value === undefined) continue;
    if (!isLiteralNumber(value))
      problems.add(p(name), "must be a literal number (each generation is a resource of its own); write the number in code.");
    else if (!(Number.isInteger(value) && value >= 1))
      problems.add(p(name), `${value} is not a key generation; use an integer of at least 1.`);
  }
  if (options.alsoValidGeneration !== undefined && options.alsoValidGeneration === generation) {
    problems.add(
      p("alsoValidGeneration"),
      `is the same as generation (${generation}); give the next or the previous generation, or remove it.`,
    );
  }
  const length = options.length;
  if (isLiteralNumber(length) && !(Number.isInteger(length) && length >= MIN_API_KEY_LENGTH && length <= MAX_API_KEY_LENGTH)) {
    problems.add(
      p("length"),
      `${length} characters is not an API Gateway key length; set an integer from ${MIN_API_KEY_LENGTH} to ${MAX_API_KEY_LENGTH} (default ${EDGE_API_KEY_DEFAULTS.length}).`,
    );
  }
  const window = options.recoveryWindowInDays;
  if (isLiteralNumber(window) && !(window === 0 || (window >= 7 && window <= 30 && Number.isInteger(window)))) {
    problems.add(p("recoveryWindowInDays"), `${window} is not allowed; set 0 (delete at once) or an integer from 7 to 30.`);
  }
  return [...problems.items];
}

/** One generation of the key: its random value, the API key and its place in the usage plan. */
export interface EdgeApiKeyGeneration {
  readonly generation: number;
  /** The random password whose `result` is the key value (sensitive). */
  readonly password: Password;
  readonly apiKey: ApiGatewayApiKey;
  readonly usagePlanKey: ApiGatewayUsagePlanKey;
}

/** The usage plan, the keys valid at the edge, and the secret holding the one in use. */
export class EdgeApiKey extends Construct {
  /** The usage plan bound to the stage: no quota, no throttle. */
  readonly usagePlan: ApiGatewayUsagePlan;
  /** Every generation valid at the edge, the one in use first. */
  readonly generations: readonly EdgeApiKeyGeneration[];
  /** The generation in use. */
  readonly current: EdgeApiKeyGeneration;
  /** The key in use, a Terraform reference (`random_password.<x>.result`, sensitive). */
  readonly value: string;
  /** The secret whose current version is the key in use (a raw string). */
  readonly secret: SecretsmanagerSecret;
  readonly secretVersion: SecretsmanagerSecretVersion;
  /** ARN of {@link EdgeApiKey.secret}: what the spike generator reads. */
  readonly secretArn: string;
  /**
   * What a sender of the key should depend on: the key in use, in the usage plan. The key
   * secret does; so does the Genesys integration of a `ConsumerPipeline`.
   */
  readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: EdgeApiKeyProps) {
    super(scope, id);
    const problems = new Problems();
    problems.addAll(validateEdgeApiKeyOptions(props));
    problems.throwIfAny(this.node.path, "EdgeApiKey");
    const tags = props.tags ? { ...props.tags } : undefined;

    this.usagePlan = new ApiGatewayUsagePlan(this, "plan", {
      name: physicalName(this, { prefix: props.namePrefix, suffix: "plan", maxLength: 255 }),
      description: `Edge API key of ${scope.node.path}: no quota and no throttle (the stage's throttling is the limit)`,
      apiStages: [{ apiId: props.restApiId, stage: props.stageName }],
      tags,
    });
    const generation = props.generation ?? EDGE_API_KEY_DEFAULTS.generation;
    const numbers = [generation, ...(props.alsoValidGeneration !== undefined ? [props.alsoValidGeneration] : [])];
    this.generations = numbers.map((g) => this.keyGeneration(g, props.length ?? EDGE_API_KEY_DEFAULTS.length, props.namePrefix, tags));
    this.current = this.generations[0];
    this.value = this.current.password.result;
    this.ready = this.current.usagePlanKey;

    this.secret = new SecretsmanagerSecret(this, "secret", {
      name: physicalName(this, {
        prefix: props.namePrefix,
        suffix: "secret",
        maxLength: NAME_LIMITS.secret,
        allowed: /[A-Za-z0-9/_+=.@-]/,
      }),
      description: `Edge API key in use (x-api-key, raw string) of ${scope.node.path}; a flood filter, the X-Hub-Signature-256 HMAC stays the authenticity check`,
      recoveryWindowInDays: props.recoveryWindowInDays ?? EDGE_API_KEY_DEFAULTS.recoveryWindowInDays,
      kmsKeyId: props.kmsKeyArn,
      tags,
    });
    this.secretVersion = new SecretsmanagerSecretVersion(this, "secret-version", {
      secretId: this.secret.id,
      secretString: this.value,
      // announced only once the key is valid at the edge
      dependsOn: [this.current.usagePlanKey],
    });
    this.secretArn = this.secret.arn;
  }

  private keyGeneration(
    generation: number,
    length: number,
    namePrefix: string | undefined,
    tags: Record<string, string> | undefined,
  ): EdgeApiKeyGeneration {
    const password = new Password(this, `key-${generation}-value`, {
      provider: randomProviderOf(this),
      length,
      special: false,
      minLower: 1,
      minUpper: 1,
      minNumeric: 1,
    });
    const apiKey = new ApiGatewayApiKey(this, `key-${generation}`, {
      name: physicalName(this, { prefix: namePrefix, suffix: `key-${generation}`, maxLength: 255 }),
      description: `Edge API key generation ${generation} of ${this.node.scope?.node.path ?? this.node.path}`,
      enabled: true,
      value: password.result,
      tags,
    });
    const usagePlanKey = new ApiGatewayUsagePlanKey(this, `key-${generation}-in-plan`, {
      keyId: apiKey.id,
      keyType: "API_KEY",
      usagePlanId: this.usagePlan.id,
    });
    return { generation, password, apiKey, usagePlanKey };
  }
}
