/**
 * The throughput target: Debian's nginx answering `return 202;` to every request, one
 * worker process pinned to its own core, with a configuration of our own in a temporary
 * folder, on a free loopback port. Falls back to a minimal Node server (also pinned) when
 * nginx is not installed (`apt-get install -y nginx-light`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:net";
import { freePort, pinned, tempDir } from "./util";

export interface Target {
  readonly url: string;
  readonly kind: "nginx" | "node";
  close(): Promise<void>;
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
}
`;
}

const NODE_TARGET = `
const http = require("node:http");
http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(202, { "content-length": "0" }); res.end(); }); })
  .listen(Number(process.argv[1]), "127.0.0.1");
`;

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

/** Starts the target pinned to `core`. */
export async function startTarget(core: string): Promise<Target> {
  const port = await freePort();
  if (NGINX) {
    const tmp = tempDir("nginx");
    const conf = join(tmp.dir, "nginx.conf");
    writeFileSync(conf, nginxConfig(tmp.dir, port));
    const [cmd, args] = pinned(core, NGINX, ["-p", tmp.dir, "-c", conf, "-e", join(tmp.dir, "error.log")]);
    const child = spawn(cmd, args, { stdio: "ignore" });
    await waitForPort(port, child);
    return { url: `http://127.0.0.1:${port}/genesys/webhook`, kind: "nginx", close: stopper(child, tmp.remove) };
  }
  const [cmd, args] = pinned(core, process.execPath, ["-e", NODE_TARGET, String(port)]);
  const child = spawn(cmd, args, { stdio: "ignore" });
  await waitForPort(port, child);
  return { url: `http://127.0.0.1:${port}/genesys/webhook`, kind: "node", close: stopper(child, () => undefined) };
}
