/**
 * The throughput target: Debian's nginx answering `return 202;` to every request, one
 * worker process pinned to its own core, with a configuration of our own in a temporary
 * folder, on a free loopback port. Falls back to a minimal Node server (also pinned) when
 * nginx is not installed (`apt-get install -y nginx-light`).
 *
 * Every target counts the requests it answered, so every tool is judged by what arrived at
 * the target, not by what it says it sent: nginx through `stub_status` on a second port,
 * the Node server through a control port. The Node server can also answer slowly (a fixed
 * delay per request) or stall (hold every request for `stallMs` every `stallEveryMs`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, createServer } from "node:net";
import { freePort, pinned, tempDir } from "./util";

export interface Target {
  readonly url: string;
  readonly kind: "nginx" | "node";
  /** Requests the target has answered so far (the counting requests themselves excluded). */
  count(): Promise<number>;
  /** Epoch ms when the target started its clock (the stall cycle's origin). */
  readonly startedAtMs: number;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** Answer every request after this many ms (a slow target; the Node server only). */
  readonly delayMs?: number;
  /** Hold every request arriving in the first `stallMs` of every `stallEveryMs` until that stall ends (the Node server only). */
  readonly stallMs?: number;
  readonly stallEveryMs?: number;
}

const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));

function nginxConfig(dir: string, port: number): string {
  return `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_body_buffer_size 64k;
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / { return 202; }
  }
  server {
    listen 127.0.0.1:${port + 1};
    location / { stub_status; }
  }
}
`;
}

const NODE_TARGET = `
const http = require("node:http");
const [port, control, delayMs, stallMs, stallEveryMs, t0] = process.argv.slice(1).map(Number);
let count = 0;
const answer = (res) => { count++; res.writeHead(202, { "content-length": "0" }); res.end(); };
const wait = () => {
  if (!stallMs) return delayMs;
  const inCycle = (Date.now() - t0) % stallEveryMs;
  return inCycle < stallMs ? stallMs - inCycle : 0;
};
http.createServer((req, res) => { req.resume(); req.on("end", () => { const ms = wait(); if (ms > 0) setTimeout(answer, ms, res); else answer(res); }); })
  .listen(port, "127.0.0.1");
http.createServer((req, res) => res.end(String(count))).listen(control, "127.0.0.1");
`;

/** GET of a loopback URL, its body as text. */
async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  return res.text();
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the target exited with code ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, "127.0.0.1", () => {
        s.end();
        r(true);
      });
      s.on("error", () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`the target did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopper(child: ChildProcess, cleanup: () => void): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        cleanup();
        return resolve();
      }
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      child.once("exit", () => {
        clearTimeout(timer);
        cleanup();
        resolve();
      });
      child.kill("SIGTERM");
    });
}

/** A free port whose successor is free too (nginx's status server listens on port + 1). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    const ok = await new Promise<boolean>((r) => {
      const s = createServer();
      s.once("error", () => r(false));
      s.listen(port + 1, "127.0.0.1", () => s.close(() => r(true)));
    });
    if (ok) return port;
  }
  throw new Error("no two adjacent free ports on 127.0.0.1");
}

/** Starts the target pinned to `core` (nginx when installed and no delay or stall is asked, else the Node server). */
export async function startTarget(core: string, options: TargetOptions = {}): Promise<Target> {
  const port = await freePortPair();
  const plain = !options.delayMs && !options.stallMs;
  if (NGINX && plain) {
    const tmp = tempDir("nginx");
    const conf = join(tmp.dir, "nginx.conf");
    writeFileSync(conf, nginxConfig(tmp.dir, port));
    const [cmd, args] = pinned(core, NGINX, ["-p", tmp.dir, "-c", conf, "-e", join(tmp.dir, "error.log")]);
    const child = spawn(cmd, args, { stdio: "ignore" });
    await waitForPort(port, child);
    let polls = 0;
    const count = async () => {
      // "server accepts handled requests\n a b c": c counts every request, our polls included
      const text = await fetchText(`http://127.0.0.1:${port + 1}/`);
      polls++;
      return Number(/\s(\d+)\s+(\d+)\s+(\d+)\s/.exec(text)?.[3] ?? Number.NaN) - polls;
    };
    return {
      url: `http://127.0.0.1:${port}/genesys/webhook`,
      kind: "nginx",
      count,
      startedAtMs: Date.now(),
      close: stopper(child, tmp.remove),
    };
  }
  const t0 = Date.now();
  const argv = [port, port + 1, options.delayMs ?? 0, options.stallMs ?? 0, options.stallEveryMs ?? 5000, t0].map(String);
  const [cmd, args] = pinned(core, process.execPath, ["-e", NODE_TARGET, ...argv]);
  const child = spawn(cmd, args, { stdio: "ignore" });
  await waitForPort(port, child);
  await waitForPort(port + 1, child);
  const count = async () => Number(await fetchText(`http://127.0.0.1:${port + 1}/`));
  return { url: `http://127.0.0.1:${port}/genesys/webhook`, kind: "node", count, startedAtMs: t0, close: stopper(child, () => undefined) };
}

/** What arrived at the target while one tool ran, over one window of its run. */
export interface TargetWindow<T> {
  readonly result: T;
  /** Requests the target answered in the window. */
  readonly accepted: number;
  readonly perSecond: number;
  /** Requests answered in each whole second of the window. */
  readonly perSecondSeries: number[];
  readonly windowSeconds: number;
  /** CPU seconds the tool's process used in the window (from /proc), when it could be sampled. */
  readonly cpuSeconds?: number;
  /** Every poll: ms since the window started, the counter and the tool's CPU seconds. */
  readonly polls: readonly { t: number; c: number; cpu?: number }[];
}

/** The counter's value at `t`, interpolated between the polls around it. */
function countAt(polls: readonly { t: number; c: number; cpu?: number }[], t: number, key: "c" | "cpu" = "c"): number {
  const i = polls.findIndex((p) => p.t >= t);
  if (i < 0) throw new Error("the tool stopped before the counting window ended; run it longer than skip + window");
  const value = (p: { c: number; cpu?: number }) => (key === "c" ? p.c : (p.cpu ?? Number.NaN));
  if (i === 0) return value(polls[0]);
  const [a, b] = [polls[i - 1], polls[i]];
  return value(a) + ((value(b) - value(a)) * (t - a.t)) / Math.max(1e-9, b.t - a.t);
}

/**
 * Runs `run` while polling the target's counter every `pollMs`, and counts what the target
 * answered over the same window for every tool: from `skipSeconds` after the first request
 * reached the target (its start-up, connection set-up and warm-up excluded) for
 * `windowSeconds`. The tool must run at least skip + window seconds after its first request.
 */
export async function countWindow<T>(
  target: Target,
  run: () => Promise<T>,
  skipSeconds: number,
  windowSeconds: number,
  cpu?: () => number | undefined,
  pollMs = 50,
): Promise<TargetWindow<T>> {
  const polls: { t: number; c: number; cpu?: number }[] = [];
  let done = false;
  const poller = (async () => {
    while (!done) {
      const c = await target.count();
      polls.push({ t: performance.now(), c, cpu: cpu?.() });
      await new Promise((r) => setTimeout(r, pollMs));
    }
  })();
  let result: T;
  try {
    result = await run();
  } finally {
    done = true;
    await poller;
  }
  const base = polls[0]?.c ?? 0;
  const first = polls.findIndex((p) => p.c > base);
  if (first < 0) throw new Error("no request reached the target");
  const start = polls[Math.max(0, first - 1)].t + skipSeconds * 1000;
  const at = (s: number) => countAt(polls, start + s * 1000);
  const accepted = at(windowSeconds) - at(0);
  const perSecondSeries = Array.from({ length: Math.floor(windowSeconds) }, (_, s) => Math.round(at(s + 1) - at(s)));
  const cpuSeconds = countAt(polls, start + windowSeconds * 1000, "cpu") - countAt(polls, start, "cpu");
  return {
    result,
    accepted: Math.round(accepted),
    perSecond: accepted / windowSeconds,
    perSecondSeries,
    windowSeconds,
    ...(Number.isFinite(cpuSeconds) ? { cpuSeconds } : {}),
    polls: polls.map((p) => ({ ...p, t: Math.round(p.t - start) })),
  };
}
