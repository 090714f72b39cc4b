import type { BenchResult } from "./lib/util";
export async function benchBundles(_options: object = {}): Promise<BenchResult> {
  throw new Error("not written yet");
}
