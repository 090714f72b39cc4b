/**
 * Several scenarios in one run: each scenario has its own phases (or spike shape), message mix
 * and conversations; their arrivals are merged into one plan in time order (one run id, one
 * sequence space), so sending, fan-out and reconciliation work as for one profile, and every
 * sequence number knows its scenario for the per-scenario report.
 */
import { decodeHistogram, summarize, type LatencySummary } from "./histogram";
import { expandPhases, planArrivals, trafficSeed, type Phase, type SpikeProfile } from "./profile";

/** A scenario as validated (see `scenarioSchema` in profile.ts). */
export type Scenario = NonNullable<SpikeProfile["scenarios"]>[number];

/** The merged plan of a profile's scenarios. */
export interface ScenarioPlan {
  /** Planned send times, ms from the run start, in order (ties: the earlier scenario first). */
  readonly plan: Float64Array;
  /** The scenario index of every sequence number. */
  readonly scenarioOf: Uint16Array;
}

/**
 * Merges the scenarios' plans. Each scenario's Poisson phases are seeded by (the profile's
 * seed, the scenario's name), so adding a scenario does not change the others' arrivals.
 */
export function planScenarios(scenarios: readonly Scenario[], seed: string): ScenarioPlan {
  const plans = scenarios.map((s) => planArrivals({ phases: s.phases, spike: s.spike, seed: `${seed}/${s.name}` }));
  const total = plans.reduce((n, p) => n + p.length, 0);
  const plan = new Float64Array(total);
  const scenarioOf = new Uint16Array(total);
  const next = plans.map(() => 0);
  for (let k = 0; k < total; k++) {
    let best = -1;
    for (let i = 0; i < plans.length; i++) {
      if (next[i] < plans[i].length && (best < 0 || plans[i][next[i]] < plans[best][next[best]])) best = i;
    }
    plan[k] = plans[best][next[best]++];
    scenarioOf[k] = best;
  }
  return { plan, scenarioOf };
}

/** The scenario plan of a profile (cached per profile object: it is asked for per message). */
const cache = new WeakMap<object, ScenarioPlan>();
export function scenarioPlanOf(profile: Pick<SpikeProfile, "scenarios"> & { seed?: string; name?: string }): ScenarioPlan | undefined {
  if (!profile.scenarios) return undefined;
  let found = cache.get(profile);
  if (!found) {
    found = planScenarios(profile.scenarios, trafficSeed(profile));
    cache.set(profile, found);
  }
  return found;
}

/** A phase's rate at `t` seconds into it, per second. */
function rateAt(phase: Phase, t: number): number {
  if (phase.type === "constant") return phase.ratePerSecond;
  if (phase.type === "ramp")
    return phase.fromRatePerSecond + ((phase.toRatePerSecond - phase.fromRatePerSecond) * t) / phase.durationSeconds;
  return 0;
}

/** A scenario's rate at `t` seconds from the run start, per second (right-continuous). */
function scenarioRateAt(phases: readonly Phase[], t: number, fromLeft: boolean): number {
  let start = 0;
  for (const phase of phases) {
    const end = start + phase.durationSeconds;
    if (fromLeft ? t > start && t <= end : t >= start && t < end) return rateAt(phase, t - start);
    start = end;
  }
  return 0;
}

/**
 * The total offered rate of concurrent scenarios as phases (for charts, durations, the peak
 * rate and agent sizing): split at every scenario's phase boundary, the sum of linear rates
 * is linear in each piece, so each piece is a constant or ramp phase (a pause where all pause).
 */
export function superposePhases(scenarios: readonly Pick<Scenario, "phases" | "spike">[]): Phase[] {
  const all = scenarios.map((s) => expandPhases(s));
  const cuts = new Set<number>([0]);
  for (const phases of all) {
    let t = 0;
    for (const ph of phases) cuts.add((t += ph.durationSeconds));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Phase[] = [];
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    if (b - a <= 0) continue;
    const from = all.reduce((sum, phases) => sum + scenarioRateAt(phases, a, false), 0);
    const to = all.reduce((sum, phases) => sum + scenarioRateAt(phases, b, true), 0);
    const durationSeconds = b - a;
    if (from === 0 && to === 0) out.push({ type: "pause", durationSeconds });
    else if (Math.abs(from - to) < 1e-9) out.push({ type: "constant", ratePerSecond: from, durationSeconds });
    else out.push({ type: "ramp", fromRatePerSecond: from, toRatePerSecond: to, durationSeconds });
  }
  return out;
}

/** What one scenario of a run did: its own counts, next to the run's (which add them all). */
export interface ScenarioReport {
  readonly name: string;
  /** Arrivals its plan holds. */
  readonly planned: number;
  /** Of those, not accepted by the ingress (dropped, failed, or never offered after an abort). */
  readonly notAccepted: number;
  /** planned - notAccepted. */
  readonly accepted: number;
  /** Processed by the worker (reconciled runs only). */
  readonly processed?: number;
  /** Accepted and never accounted for (reconciled runs only). */
  readonly lost?: number;
  /** Its ingress acknowledgement latency from the planned send (absent when not measured). */
  readonly ack?: LatencySummary;
}

/**
 * The per-scenario breakdown of a run: ingress counts from the plan and the sequence numbers
 * not accepted; delivery counts from the reconciliation's per-scenario tallies when reconciled.
 */
export function scenarioReports(
  scenarios: readonly Pick<Scenario, "name">[],
  sp: ScenarioPlan,
  notAccepted: readonly number[],
  delivery?: { readonly processedByScenario: readonly number[]; readonly lostByScenario: readonly number[] },
  /** Each scenario's encoded ack histogram (microseconds), as the ingress measured it. */
  ackUs?: readonly string[],
): ScenarioReport[] {
  const planned = scenarios.map(() => 0);
  const refused = scenarios.map(() => 0);
  for (let seq = 0; seq < sp.plan.length; seq++) planned[sp.scenarioOf[seq]]++;
  for (const seq of notAccepted) if (seq >= 0 && seq < sp.plan.length) refused[sp.scenarioOf[seq]]++;
  return scenarios.map((s, i) => ({
    name: s.name,
    planned: planned[i],
    notAccepted: refused[i],
    accepted: planned[i] - refused[i],
    ...(delivery ? { processed: delivery.processedByScenario[i] ?? 0, lost: delivery.lostByScenario[i] ?? 0 } : {}),
    ...(ackUs?.[i] !== undefined ? { ack: summarize(decodeHistogram(ackUs[i])) } : {}),
  }));
}
