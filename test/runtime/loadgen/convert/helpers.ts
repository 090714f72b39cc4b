/** Shared helpers for the plan-conversion tests: fixtures, and the profile check every conversion must pass. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ConversionNote, ConversionResult } from "../../../../lib/runtime/loadgen/convert";
import { countArrivals, parseProfile, type Phase } from "../../../../lib/runtime/loadgen/profile";

export const FIXTURES = join(__dirname, "fixtures");

/** A fixture's text. */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8");
}

/** The phases of a conversion after `parseProfile` accepted the profile (it throws otherwise). */
export function acceptedPhases(result: ConversionResult): Phase[] {
  const profile = parseProfile(result.profile);
  expect(countArrivals(profile)).toBeGreaterThan(0);
  return profile.phases ?? [];
}

/** The phases as [type, from, to, seconds] with rates rounded to 1e-3, for compact comparisons. */
export function shape(phases: readonly Phase[]): Array<[string, number, number, number]> {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return phases.map((p) =>
    p.type === "constant"
      ? ["constant", r(p.ratePerSecond), r(p.ratePerSecond), p.durationSeconds]
      : p.type === "ramp"
        ? ["ramp", r(p.fromRatePerSecond), r(p.toRatePerSecond), p.durationSeconds]
        : ["pause", 0, 0, p.durationSeconds],
  );
}

/** Notes of one level whose element or message contains `text`. */
export function notesMatching(notes: readonly ConversionNote[], level: ConversionNote["level"], text: string | RegExp): ConversionNote[] {
  return notes.filter(
    (n) =>
      n.level === level &&
      (typeof text === "string"
        ? `${n.element ? `${n.element}: ` : ""}${n.message}`.includes(text)
        : text.test(`${n.element ? `${n.element}: ` : ""}${n.message}`)),
  );
}
