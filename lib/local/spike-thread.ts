/**
 * Runs the load generator in its own worker thread, so it does not share an event loop
 * with the system under test (the emulated ingress, the pollers, the fake downstream).
 * A real spike run sends from outside the stack too; here, at the spike's peak, a shared
 * main thread would turn the generator's own work into ingress latency.
 *
 * The thread runs `runSpike` from an esbuild bundle made on first use (the same code from
 * the TypeScript sources and from the built package), and streams progress back.
 */
import { Worker } from "node:worker_threads";
import { buildSync } from "esbuild";
import type { SpikeOptions, SpikeProgress, SpikeReport } from "../runtime/loadgen/run";
import type { EdgeKeySource } from "../runtime/loadgen/edge-key-source";

/** The plain-data part of SpikeOptions that crosses into the thread (the edge key as a value or a secret, not an open key). */
export type ThreadSpikeOptions = Omit<SpikeOptions, "onProgress" | "signal" | "fanOut" | "edgeKey"> & { readonly edgeKey?: EdgeKeySource };

let bundled: string | undefined;

/** The load generator as one CommonJS script (memoized for the process). */
function generatorBundle(): string {
  if (bundled) return bundled;
  const runModule = require.resolve("../runtime/loadgen/run");
  const result = buildSync({
    stdin: {
      contents: `module.exports = require(${JSON.stringify(runModule)});`,
      resolveDir: __dirname,
      loader: "js",
      sourcefile: "spike-thread-entry.js",
    },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text;
  if (!code) throw new Error("spike thread: esbuild produced no bundle of the load generator");
  bundled = code;
  return code;
}

const THREAD_MAIN = `
const { parentPort, workerData } = require("node:worker_threads");
const generator = { exports: {} };
new Function("module", "exports", "require", "__filename", "__dirname", workerData.code)(generator, generator.exports, require, "spike-thread.js", process.cwd());
const controller = new AbortController();
parentPort.on("message", (message) => { if (message === "abort") controller.abort(); });
generator.exports
  .runSpike({ ...workerData.options, signal: controller.signal, onProgress: (progress) => parentPort.postMessage({ progress }) })
  .then(
    (report) => parentPort.postMessage({ report }),
    (error) => parentPort.postMessage({ error: { name: (error && error.name) || "Error", message: String((error && error.message) || error), stack: error && error.stack } }),
  );
`;

/** Runs a spike in a worker thread; resolves with its report, rejects with its error. */
export function runSpikeInThread(
  options: ThreadSpikeOptions,
  hooks: { onProgress?: (p: SpikeProgress) => void; signal?: AbortSignal } = {},
): Promise<SpikeReport> {
  const worker = new Worker(THREAD_MAIN, { eval: true, workerData: { code: generatorBundle(), options } });
  const abort = () => worker.postMessage("abort");
  hooks.signal?.addEventListener("abort", abort, { once: true });
  return new Promise<SpikeReport>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener("abort", abort);
      fn();
      void worker.terminate();
    };
    worker.on(
      "message",
      (message: { progress?: SpikeProgress; report?: SpikeReport; error?: { name: string; message: string; stack?: string } }) => {
        if (message.progress) hooks.onProgress?.(message.progress);
        else if (message.report) settle(() => resolve(message.report as SpikeReport));
        else if (message.error) {
          const { name, message: text, stack } = message.error;
          settle(() => reject(Object.assign(new Error(text), { name, stack })));
        }
      },
    );
    worker.on("error", (error) => settle(() => reject(error)));
    worker.on("exit", (code) => settle(() => reject(new Error(`the load generator's thread exited (${code}) before reporting`))));
  });
}
