/**
 * Small helpers the hand-written genesyscloud bindings share: the same mappers the
 * generated cdktf bindings call, for JSON (`synthesizeAttributes`) and HCL
 * (`synthesizeHclAttributes`) output. Internal to lib/providers/genesyscloud.
 */
import * as cdktf from "cdktf";

/** Provider identity written to every binding's generator metadata and to required_providers. */
export const GENESYSCLOUD_PROVIDER = {
  /** Registry source of the provider. */
  source: "mypurecloud/genesyscloud",
  /** The version the bindings were written against (docs and Go schemas at tag v1.84.1). */
  version: "1.84.1",
  /** The constraint written to required_providers. */
  versionConstraint: "~> 1.84",
} as const;

/**
 * Generator metadata shared by every genesyscloud binding. `providerVersion` is left out on
 * purpose: cdktf 0.21 writes it verbatim into required_providers (an exact pin), and falls
 * back to the constraint when it is absent, so required_providers gets `~> 1.84`.
 */
export const GENESYSCLOUD_GENERATOR_METADATA = {
  providerName: "genesyscloud",
  providerVersionConstraint: GENESYSCLOUD_PROVIDER.versionConstraint,
} as const;

/**
 * The constructor options every genesyscloud binding passes to its base class: the resource
 * (or data source) type, the generator metadata, and the Terraform meta-arguments of its config.
 */
export function bindingOptions(terraformResourceType: string, config: cdktf.TerraformMetaArguments) {
  return {
    terraformResourceType,
    terraformGeneratorMetadata: GENESYSCLOUD_GENERATOR_METADATA,
    provider: config.provider,
    dependsOn: config.dependsOn,
    count: config.count,
    lifecycle: config.lifecycle,
    provisioners: config.provisioners,
    connection: config.connection,
    forEach: config.forEach,
  };
}

/** One attribute as `synthesizeHclAttributes` describes it. */
export interface HclAttribute {
  readonly value: unknown;
  readonly isBlock: boolean;
  readonly type: "simple" | "list" | "map";
  readonly storageClassType: string;
}

export const hclString = (value: string | undefined): HclAttribute => ({
  value: cdktf.stringToHclTerraform(value),
  isBlock: false,
  type: "simple",
  storageClassType: "string",
});

export const hclNumber = (value: number | undefined): HclAttribute => ({
  value: cdktf.numberToHclTerraform(value),
  isBlock: false,
  type: "simple",
  storageClassType: "number",
});

export const hclStringMap = (value: Record<string, string> | undefined): HclAttribute => ({
  value: cdktf.hashMapperHcl(cdktf.stringToHclTerraform)(value),
  isBlock: false,
  type: "map",
  storageClassType: "stringMap",
});

/** A nested block rendered as a list of blocks (a single-element list for `Max: 1` blocks). */
export const hclBlocks = (value: Array<Record<string, HclAttribute>> | undefined, storageClassType: string): HclAttribute => ({
  value,
  isBlock: true,
  type: "list",
  storageClassType,
});

/** Drops attributes whose value is undefined, as generated bindings do. */
export function definedHcl(attrs: Record<string, HclAttribute>): Record<string, HclAttribute> {
  return Object.fromEntries(Object.entries(attrs).filter(([, a]) => a.value !== undefined));
}

/** A `Max: 1` block as Terraform JSON: a single-element list, or undefined when not set. */
export function single<T, R>(struct: T | undefined, map: (s: T) => R): R[] | undefined {
  return struct === undefined ? undefined : [map(struct)];
}

/** A list block as Terraform JSON, or undefined when not set. */
export function many<T, R>(structs: readonly T[] | undefined, map: (s: T) => R): R[] | undefined {
  return structs === undefined ? undefined : structs.map(map);
}
