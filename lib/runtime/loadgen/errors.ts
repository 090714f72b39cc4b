/**
 * The base of every error the load generator throws for bad input: an invalid profile
 * ({@link ProfileError}), a threshold expression that does not parse ({@link ThresholdError}),
 * a plan that cannot be converted (`PlanConversionError`), a comparison given the wrong
 * files ({@link CompareInputError}). Catch `LoadgenError` to handle them all; each kind keeps
 * its own `name` and message.
 */
export class LoadgenError extends Error {
  override readonly name: string = "LoadgenError";
}
