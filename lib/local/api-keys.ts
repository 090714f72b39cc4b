/**
 * The API keys of a synthesized REST API, as the local API Gateway checks them: a method with
 * `api_key_required` answers 403 `{"message":"Forbidden"}` unless the request's `x-api-key`
 * header is the value of an enabled `aws_api_gateway_api_key` that an
 * `aws_api_gateway_usage_plan_key` puts in a usage plan whose `api_stages` holds this API and
 * stage (AWS: "API Gateway reads the key and compares it against the keys in the usage plan
 * ... Otherwise, it throws an InvalidKeyParameter exception. As a result, the caller receives
 * a 403 Forbidden response", Choose an API key source in API Gateway). Usage plan quotas and
 * throttles are not emulated: a plan with one stops the run rather than letting traffic
 * through that AWS would refuse.
 */
import { LocalEmulatorError } from "./errors";
import type { StackResolver } from "./resolver";
import { ofType, type TfItem } from "./stack";

/** One API key valid on stages of the API. */
export interface ApiKeyEntry {
  /** `aws_api_gateway_api_key.<name>`. */
  readonly address: string;
  /** The key id (`$context.identity.apiKeyId`). */
  readonly id: string;
  readonly value: string;
  enabled: boolean;
  /** Stage names a usage plan of the key binds to this API. */
  readonly stages: Set<string>;
}

/** Thrown at start-up for a usage plan setting the emulator does not run. */
export class UnsupportedUsagePlanError extends LocalEmulatorError {
  override readonly name = "UnsupportedUsagePlanError";
}

const blockList = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? (value as Record<string, unknown>[])
    : value && typeof value === "object"
      ? [value as Record<string, unknown>]
      : [];

/** The stages of `apiId` a usage plan is bound to; throws for a quota or a throttle. */
function planStages(resolver: StackResolver, plan: TfItem, apiId: string): string[] {
  const stages = blockList(resolver.configValue(plan, "api_stages")).filter((s) => s.api_id === apiId);
  if (!stages.length) return [];
  for (const setting of ["quota_settings", "throttle_settings"]) {
    if (blockList(resolver.configValue(plan, setting)).length) {
      throw new UnsupportedUsagePlanError(
        `${plan.address}: ${setting} is not emulated locally (the local API Gateway would let through what AWS refuses); remove it to run the stack locally`,
      );
    }
  }
  if (stages.some((s) => blockList(s.throttle).length)) {
    throw new UnsupportedUsagePlanError(
      `${plan.address}: per-method throttles in api_stages are not emulated locally; remove them to run the stack locally`,
    );
  }
  return stages.map((s) => String(s.stage));
}

/** Every API key a usage plan makes valid on a stage of `apiId`. */
export function apiKeysOf(resolver: StackResolver, apiId: string): ApiKeyEntry[] {
  const byKey = new Map<string, ApiKeyEntry>();
  const planKeys = ofType(resolver.stack, "aws_api_gateway_usage_plan_key");
  for (const plan of ofType(resolver.stack, "aws_api_gateway_usage_plan")) {
    const stages = planStages(resolver, plan, apiId);
    if (!stages.length) continue;
    const planId = resolver.attribute(plan, "id");
    for (const planKey of planKeys.filter((k) => resolver.configValue(k, "usage_plan_id") === planId)) {
      if (resolver.configValue(planKey, "key_type") !== "API_KEY") continue;
      const keyId = resolver.configValue(planKey, "key_id");
      const key = ofType(resolver.stack, "aws_api_gateway_api_key").find((k) => resolver.attribute(k, "id") === keyId);
      if (!key)
        throw new UnsupportedUsagePlanError(`${planKey.address}: key ${String(keyId)} is not an aws_api_gateway_api_key of the stack`);
      const entry = byKey.get(key.address) ?? {
        address: key.address,
        id: String(keyId),
        value: String(resolver.attribute(key, "value")),
        enabled: resolver.configValue(key, "enabled") !== false,
        stages: new Set<string>(),
      };
      for (const stage of stages) entry.stages.add(stage);
      byKey.set(key.address, entry);
    }
  }
  return [...byKey.values()];
}

/**
 * The keys a running local API accepts, changeable while it runs as an apply would change
 * them (a test retires a key in the middle of a spike).
 */
export class ApiKeyRegistry {
  private readonly keys: ApiKeyEntry[];

  constructor(keys: readonly ApiKeyEntry[]) {
    this.keys = keys.map((k) => ({ ...k, stages: new Set(k.stages) }));
  }

  /** The enabled key with this value valid on `stage`, if any. */
  match(value: string | undefined, stage: string): ApiKeyEntry | undefined {
    if (!value) return undefined;
    return this.keys.find((k) => k.enabled && k.value === value && k.stages.has(stage));
  }

  /** Every key, enabled or not. */
  list(): readonly ApiKeyEntry[] {
    return this.keys;
  }

  /** Disables or enables a key (`enabled` of `aws_api_gateway_api_key`), by address or id. */
  setEnabled(addressOrId: string, enabled: boolean): void {
    this.find(addressOrId).enabled = enabled;
  }

  /** Takes a key out of every usage plan (its `aws_api_gateway_usage_plan_key` deleted), by address or id. */
  remove(addressOrId: string): void {
    this.keys.splice(this.keys.indexOf(this.find(addressOrId)), 1);
  }

  private find(addressOrId: string): ApiKeyEntry {
    const key = this.keys.find((k) => k.address === addressOrId || k.id === addressOrId);
    if (!key) throw new Error(`no API key ${addressOrId} in the local API (keys: ${this.keys.map((k) => k.address).join(", ") || "none"})`);
    return key;
  }
}
