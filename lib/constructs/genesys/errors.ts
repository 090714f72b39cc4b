/**
 * The Genesys constructs validate their props like every construct of the library: with the
 * one {@link Problems} collector of `../errors`, thrown once as a {@link ValidationError}
 * (so a `ConsumerPipeline` lists the Genesys side's problems beside its own, prefixed with
 * the pipeline prop). This module keeps the names the Genesys code used before.
 */
import { Problems, ValidationError, isLiteral } from "../errors";

export { Problems, isLiteral };

/**
 * The error the Genesys constructs throw: the library's {@link ValidationError}. Kept as a
 * name for code written against earlier versions; `problems` lists `{ prop, message }`.
 * @deprecated use `ValidationError`
 */
export const GenesysConfigError = ValidationError;
/** @deprecated use `ValidationError` */
export type GenesysConfigError = ValidationError;

/** True for a literal number (not a token). A non-finite number counts as a literal. */
export function isLiteralNumber(value: number): boolean {
  return isLiteral(value);
}
