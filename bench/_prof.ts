import { startTarget } from "./lib/target";
import { runOk, pinned, TS_NODE_ARGS } from "./lib/util";
(async () => {
  const t = await startTarget("0");
  try {
    const [cmd, args] = pinned("1", process.execPath, [...TS_NODE_ARGS, "--cpu-prof", "--cpu-prof-dir", "/tmp/gcx-prof", "bench/children/engine.ts", JSON.stringify({ url: t.url, ratePerSecond: Number(process.argv[2] ?? 20000), durationSeconds: 4, connections: 50, maxInFlight: Number(process.argv[3] ?? 200) })]);
    const r = await runOk(cmd, args);
    console.log(r.stdout.slice(0, 600));
  } finally { await t.close(); }
})();
