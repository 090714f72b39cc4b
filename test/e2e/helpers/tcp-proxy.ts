/**
 * A TCP proxy on 127.0.0.1 that can refuse connections for a while: put in front of the
 * local DynamoDB server (dynalite) so the idempotency table is briefly unavailable without
 * restarting dynalite (an in-memory dynalite would lose its records).
 *
 * While refusing, the listening socket is closed (new connections get ECONNREFUSED, as from
 * a server that is down) and every open connection is destroyed; then it listens again on
 * the same port.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface TcpProxyStats {
  /** Connections accepted and forwarded. */
  connections: number;
  /** Open connections destroyed when an outage began. */
  cut: number;
  /** Outages so far. */
  outages: number;
}

export interface TcpProxy {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly port: number;
  readonly stats: TcpProxyStats;
  /** Where connections go: "http://127.0.0.1:1234" or "127.0.0.1:1234". Connections made before it is set are refused. */
  setTarget(target: string): void;
  /** Refuses connections for `ms` milliseconds (resolves when the proxy accepts again). */
  outage(ms: number): Promise<void>;
  close(): Promise<void>;
}

function parseTarget(target: string): { host: string; port: number } {
  const url = new URL(target.includes("://") ? target : `tcp://${target}`);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") throw new Error(`the proxy forwards to 127.0.0.1 only, got ${target}`);
  return { host: "127.0.0.1", port: Number(url.port) };
}

/** Starts a proxy on a free loopback port. */
export async function startTcpProxy(target?: string): Promise<TcpProxy> {
  let destination = target ? parseTarget(target) : undefined;
  const sockets = new Set<Socket>();
  const stats: TcpProxyStats = { connections: 0, cut: 0, outages: 0 };
  let closed = false;

  const server: Server = createServer((client) => {
    if (!destination) {
      client.destroy();
      return;
    }
    stats.connections++;
    const upstream = createConnection(destination);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats,
    setTarget(t: string) {
      destination = parseTarget(t);
    },
    async outage(ms: number) {
      if (closed) return;
      stats.outages++;
      const stopped = stopListening();
      for (const s of sockets) {
        s.destroy();
        stats.cut++;
      }
      sockets.clear();
      await stopped;
      await new Promise((r) => setTimeout(r, ms));
      if (!closed) await listen(port);
    },
    async close() {
      closed = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (server.listening) await stopListening();
    },
  };
}
