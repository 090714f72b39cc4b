/**
 * Poisson arrivals: a phase with `arrivals: "poisson"` plans its arrivals as a (possibly
 * non-homogeneous) Poisson process of the phase's rate, seeded, so the controller, its agents
 * and a re-run with the same seed plan the same instants.
 */
import { unitHash } from "./mix";

/** A small fast seeded PRNG (mulberry32), uniform in [0, 1). */
export function seededRandom(seed: string): () => number {
  let state = Math.floor(unitHash(seed) * 2 ** 32) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** One exponential(1) draw. */
export function exponential(random: () => number): number {
  return -Math.log(1 - random());
}

/**
 * The instants, seconds from the phase start, of a Poisson process whose rate goes linearly
 * from `fromRate` to `toRate` (per second) over `durationSeconds`. By time rescaling: unit-rate
 * Poisson points x_1 < x_2 < ... on the cumulative rate Λ(t) = r0·t + a·t², mapped back with
 * the same inverse the uniform plan uses for x = 0, 1, 2, ...
 */
export function poissonInstants(fromRate: number, toRate: number, durationSeconds: number, random: () => number): number[] {
  const count = ((fromRate + toRate) / 2) * durationSeconds;
  const out: number[] = [];
  if (!(count > 0)) return out;
  const a = (toRate - fromRate) / (2 * durationSeconds);
  for (let x = exponential(random); x < count; x += exponential(random)) {
    const tau = (2 * x) / (fromRate + Math.sqrt(Math.max(0, fromRate * fromRate + 4 * a * x)));
    out.push(Math.min(tau, durationSeconds));
  }
  return out;
}
