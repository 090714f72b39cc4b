/**
 * A local HTTP target for the load-generator tests, on 127.0.0.1: records every request
 * (arrival time, body, headers) and answers through a behaviour function.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Arrival {
  /** performance.now() when the request was complete. */
  readonly at: number;
  /** Date.now() when the request was complete. */
  readonly epochMs: number;
  readonly body: string;
  readonly headers: IncomingMessage["headers"];
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Hold the answer this long, ms. */
  readonly delayMs?: number;
}

export interface Target {
  readonly url: string;
  readonly arrivals: Arrival[];
  close(): Promise<void>;
}

export async function startTarget(behaviour: (arrival: Arrival, index: number) => Answer = () => ({ status: 202 })): Promise<Target> {
  const arrivals: Arrival[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const arrival: Arrival = {
        at: performance.now(),
        epochMs: Date.now(),
        body: Buffer.concat(chunks).toString("utf8"),
        headers: req.headers,
      };
      const index = arrivals.push(arrival) - 1;
      const answer = behaviour(arrival, index);
      const respond = () => {
        res.writeHead(answer.status, { "content-type": "application/json", ...(answer.headers ?? {}) });
        res.end('{"ok":true}');
      };
      if (answer.delayMs) setTimeout(respond, answer.delayMs);
      else respond();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    arrivals,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
