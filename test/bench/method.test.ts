/** The benchmarks' method: quantiles, figures with spread and the noisy flag, interleaved rounds. */
import { describeFigure, figureOf, interleave, isNoisy, quantile, type Sample } from "../../bench/lib/method";

const sample = (contender: string, value: number, load1: number): Sample => ({ round: 0, contender, value, load1 });

describe("the benchmark method", () => {
  it("quantiles interpolate between ranks", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([7], 0.75)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("a figure is the median with its spread; any round above 1.0 load per core marks it noisy", () => {
    const samples = [sample("a", 10, 0.5), sample("a", 30, 2.5), sample("a", 20, 1), sample("b", 99, 0)];
    const f = figureOf("a", "req/s", samples, 2);
    expect(f).toMatchObject({
      contender: "a",
      rounds: 3,
      median: 20,
      min: 10,
      max: 30,
      q1: 15,
      q3: 25,
      loadMax: 2.5,
      cores: 2,
      noisy: true,
    });
    expect(figureOf("a", "req/s", samples.slice(0, 1), 2).noisy).toBe(false);
    expect(isNoisy(2, 2)).toBe(false);
    expect(isNoisy(2.01, 2)).toBe(true);
    expect(describeFigure(f)).toBe("20 req/s (min 10, max 30, IQR 15-25), 3 round(s), noisy: load up to 2.5 on 2 cores");
  });

  it("interleaves the contenders, rotating who goes first each round", async () => {
    const order: string[] = [];
    const run = (name: string) => async () => {
      order.push(name);
      return { value: 1 };
    };
    const samples = await interleave({ a: run("a"), b: run("b"), c: run("c") }, 3);
    expect(order).toEqual(["a", "b", "c", "b", "c", "a", "c", "a", "b"]);
    expect(samples.map((s) => s.round)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(samples.every((s) => typeof s.load1 === "number")).toBe(true);
  });
});
