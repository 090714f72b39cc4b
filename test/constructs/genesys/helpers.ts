/** Shared helpers for the Genesys-side tests. */
import { App, TerraformStack, Testing } from "cdktf";
import { ValidationError } from "../../../lib/constructs/errors";

/** A fresh stack in a test app. */
export function newStack(id = "test"): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  return { app, stack: new TerraformStack(app, id) };
}

/** The synthesized Terraform JSON of a stack, parsed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TfJson = Record<string, any>;
export function synthJson(stack: TerraformStack): TfJson {
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

/** The one resource (or data source) of a type in synthesized JSON. */
export function only(json: TfJson, kind: "resource" | "data", type: string): TfJson {
  const all = Object.values(json[kind]?.[type] ?? {}) as TfJson[];
  if (all.length !== 1) throw new Error(`expected exactly one ${kind} ${type}, found ${all.length}`);
  return all[0];
}

/** Runs `fn`, expects a ValidationError, returns its problems as `prop: message` lines. */
export function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => `${p.prop}: ${p.message}`);
    throw error;
  }
  throw new Error("expected a ValidationError, nothing was thrown");
}

/**
 * The key structure of a synthesized block: a leaf becomes `true`, a nested block (a list
 * of objects) becomes the union of its elements' key structures. Keys are sorted so
 * structures compare with toEqual.
 */
export type KeyTree = { [key: string]: true | KeyTree };
export function keyTree(value: TfJson): KeyTree {
  const out: KeyTree = {};
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === "object" && e !== null && !Array.isArray(e))) {
      const merged: TfJson = {};
      for (const element of v) Object.assign(merged, element);
      out[key] = keyTree(merged);
    } else {
      out[key] = true;
    }
  }
  return out;
}
