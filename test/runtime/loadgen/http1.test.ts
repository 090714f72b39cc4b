import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from "node:net";
import { encodePost, Http1Pool, parseResponseHead, type AttemptResult } from "../../../lib/runtime/loadgen/http1";
import { TargetClient } from "../../../lib/runtime/loadgen/sender";
import { startTarget, type Target } from "./target";

/** A raw TCP server: hands each complete request (head + Content-Length body) to `answer`. */
interface RawServer {
  readonly port: number;
  readonly requests: Array<{ head: string; body: string; socketId: number }>;
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

async function rawServer(answer: (socket: Socket, index: number) => void): Promise<RawServer> {
  const requests: RawServer["requests"] = [];
  const sockets = new Set<Socket>();
  let nextSocketId = 0;
  const server: Server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const socketId = nextSocketId++;
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = pending.toString("latin1", 0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        const body = pending.toString("utf8", end + 4, end + 4 + length);
        pending = pending.subarray(end + 4 + length);
        const index = requests.push({ head, body, socketId }) - 1;
        answer(socket, index);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `text` one small piece at a time, so the client sees every possible split. */
function trickle(socket: Socket, text: string, piece = 3): void {
  const bytes = Buffer.from(text, "latin1");
  let at = 0;
  const step = () => {
    if (socket.destroyed) return;
    socket.write(bytes.subarray(at, at + piece));
    at += piece;
    if (at < bytes.length) setImmediate(step);
  };
  step();
}

function send(pool: Http1Pool, body = "{}"): Promise<AttemptResult> {
  return new Promise((resolve) => pool.dispatch(encodePost("/hook", "127.0.0.1", { "content-type": "application/json" }, body), resolve));
}

let server: RawServer | undefined;
let pool: Http1Pool | undefined;
let target: Target | undefined;
afterEach(async () => {
  await pool?.close();
  await server?.close();
  await target?.close();
  pool = undefined;
  server = undefined;
  target = undefined;
});

describe("encodePost", () => {
  test("one buffer: request line, Host, the headers as given, Content-Length in bytes, the body", () => {
    const bytes = encodePost(
      "/genesys/webhook?x=1",
      "127.0.0.1:8080",
      { "content-type": "application/json", "X-Hub-Signature-256": "sha256=abc=" },
      '{"t":"é"}',
    );
    expect(bytes.toString("utf8")).toBe(
      'POST /genesys/webhook?x=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\ncontent-type: application/json\r\nX-Hub-Signature-256: sha256=abc=\r\ncontent-length: 10\r\n\r\n{"t":"é"}',
    );
    expect(encodePost("/", "h", {}, "abc").toString("latin1")).toBe("POST / HTTP/1.1\r\nhost: h\r\ncontent-length: 3\r\n\r\nabc");
  });

  test("refuses header injection and headers the client sets itself", () => {
    expect(() => encodePost("/", "h", { "x-a": "1\r\nx-b: 2" }, "")).toThrow(/invalid value/);
    expect(() => encodePost("/", "h", { "bad name": "1" }, "")).toThrow(/invalid header name/);
    expect(() => encodePost("/", "h", { "Content-Length": "5" }, "")).toThrow(/set by the client/);
    expect(() => encodePost("/", "h", { connection: "close" }, "")).toThrow(/set by the client/);
  });
});

describe("parseResponseHead", () => {
  test("status, lower-cased headers (repeated ones as an array) and the body framing", () => {
    const parsed = parseResponseHead(
      "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 12",
    );
    expect(parsed).toMatchObject({
      status: 429,
      keepAlive: true,
      length: 12,
      headers: { "retry-after": "3", "set-cookie": ["a=1", "b=2"], "content-length": "12" },
    });
  });

  test("keep-alive: HTTP/1.1 unless Connection: close; HTTP/1.0 only with Connection: keep-alive", () => {
    expect(parseResponseHead("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0")).toMatchObject({ keepAlive: false });
    expect(parseResponseHead("HTTP/1.0 200 OK\r\nContent-Length: 0")).toMatchObject({ keepAlive: false });
    expect(parseResponseHead("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0")).toMatchObject({ keepAlive: true });
    // no length and not chunked: the body runs to the close
    expect(parseResponseHead("HTTP/1.1 200 OK")).toMatchObject({ status: 200, keepAlive: false });
  });

  test("malformed heads are errors", () => {
    expect(parseResponseHead("HTTP/2 200")).toMatch(/malformed status line/);
    expect(parseResponseHead("HTTP/1.1 20 OK")).toMatch(/malformed status line/);
    expect(parseResponseHead("HTTP/1.1 200OK")).toMatch(/malformed status line/);
    expect(parseResponseHead("HTTP/1.1 200 OK\r\nno colon here")).toMatch(/malformed header/);
    expect(parseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 1x")).toMatch(/invalid content-length/);
  });
});

describe("Http1Pool", () => {
  test("keep-alive: sequential requests reuse one connection and the server gets the exact bytes", async () => {
    server = await rawServer((s) => s.write("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok"));
    pool = new Http1Pool("127.0.0.1", server.port, { connections: 4, timeoutMs: 5000 });
    for (let i = 0; i < 5; i++) {
      const r = await send(pool, `{"i":${i}}`);
      expect(r.status).toBe(202);
      expect(r.error).toBeUndefined();
      expect(r.endedAt).toBeGreaterThanOrEqual(r.writtenAt);
    }
    expect(server.requests.map((q) => q.body)).toEqual([0, 1, 2, 3, 4].map((i) => `{"i":${i}}`));
    expect(new Set(server.requests.map((q) => q.socketId)).size).toBe(1);
    expect(server.requests[0].head).toBe("POST /hook HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 7");
  });

  test("never more connections than allowed; requests beyond them wait and all complete", async () => {
    const held: Socket[] = [];
    server = await rawServer((s) => {
      held.push(s);
      // answer in batches so requests really queue
      setTimeout(() => s.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 20);
    });
    pool = new Http1Pool("127.0.0.1", server.port, { connections: 3, timeoutMs: 5000 });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => send(pool!, String(i))));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(server.requests).toHaveLength(30);
    expect(new Set(server.requests.map((q) => q.socketId)).size).toBe(3);
  });

  test("a response split into tiny pieces: Content-Length body", async () => {
    server = await rawServer((s) =>
      trickle(s, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 11\r\n\r\nhello world"),
    );
    pool = new Http1Pool("127.0.0.1", server.port, { connections: 1, timeoutMs: 5000 });
    const a = await send(pool);
    const b = await send(pool);
    for (const r of [a, b]) expect(r).toMatchObject({ status: 503, headers: { "retry-after": "7" } });
    expect(new Set(server.requests.map((q) => q.socketId)).size).toBe(1);
  });

  test("a chunked body with extensions and trailers, split into tiny pieces, then the connection is reused", async () => {
    const response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n";
    server = await rawServer((s) => trickle(s, response, 2));
    pool = new Http1Pool("127.0.0.1", server.port, { connections: 1, timeoutMs: 5000 });
    expect((await send(pool)).status).toBe(200);
    expect((await send(pool)).status).toBe(200);
    expect(new Set(server.requests.map((q) => q.socketId)).size).toBe(1);
  });

  test("1xx interim responses are skipped; 204 has no body", async () => {
    server = await rawServer((s) => s.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"));
    pool = new Http1Pool("127.0.0.1", server.port, { connections: 1, timeoutMs: 5000 });
    expect(await send(pool)).toMatchObject({ status: 204, headers: { "x-a": "1" } });
    expect(await send(pool)).toMatchObject({ status: 204 });
  });

  test("Connection: close and read-until-close bodies: the next request gets a new connection", async () => {
    server = await rawServer((s, i) => {
      if (i % 2 === 0) s.end("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
      else s.end("HTTP/1.0 201 Created\r\n\r\nbody until the close");
    });
    pool = new Http1Pool("127.0.0.1", server.port, { connections: 1, timeoutMs: 5000 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(pool)).status);
    expect(statuses).toEqual([200, 201, 200, 201]);
    expect(new Set(server.requests.map((q) => q.socketId)).size).toBe(4);
  });

  test("a server that never answers: a timeout result, then the pool still works", async () => {
    server = await rawServer((s, i) => {
      if (i > 0) s.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    });
    pool = new Http1Pool("127.0.0.1", server.port, { connections: 1, timeoutMs: 300 });
    const started = performance.now();
    const r = await send(pool);
    expect(r.status).toBe(0);
    expect(r.error).toMatchObject({ kind: "timeout", message: expect.stringMatching(/HeadersTimeoutError/) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(Number.isNaN(r.writtenAt)).toBe(false);
    expect((await send(pool)).status).toBe(200);
  });

  test("a connection reset mid-response and a refused connection are network errors", async () => {
    server = await rawServer((s) => {
      s.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
      setTimeout(() => s.destroy(), 20);
    });
    pool = new Http1Pool("127.0.0.1", server.port, { connections: 1, timeoutMs: 5000 });
    expect(await send(pool)).toMatchObject({ status: 0, error: { kind: "network" } });
    const port = server.port;
    await server.close();
    server = undefined;
    await pool.close();
    pool = new Http1Pool("127.0.0.1", port, { connections: 1, timeoutMs: 5000 });
    const refused = await send(pool);
    expect(refused).toMatchObject({ status: 0, error: { kind: "network", message: expect.stringMatching(/ECONNREFUSED/) } });
    expect(Number.isNaN(refused.writtenAt)).toBe(true);
  });

  test("garbage instead of a status line is a network error, not a hang", async () => {
    server = await rawServer((s) => s.write("SSH-2.0-nope\r\n\r\n"));
    pool = new Http1Pool("127.0.0.1", server.port, { connections: 1, timeoutMs: 5000 });
    expect(await send(pool)).toMatchObject({
      status: 0,
      error: { kind: "network", message: expect.stringMatching(/malformed status line/) },
    });
  });

  test("closing the pool fails queued requests instead of leaving them pending", async () => {
    server = await rawServer(() => undefined);
    pool = new Http1Pool("127.0.0.1", server.port, { connections: 1, timeoutMs: 5000 });
    const pending = [send(pool), send(pool)];
    await new Promise((r) => setTimeout(r, 50));
    await pool.close();
    for (const r of await Promise.all(pending)) expect(r).toMatchObject({ status: 0, error: { kind: "network" } });
  });
});

describe.each(["lean", "undici"] as const)("TargetClient over the %s transport", (transport) => {
  test("a Node http server receives the exact body and headers, and Retry-After comes back", async () => {
    target = await startTarget((_a, i) => (i === 0 ? { status: 429, headers: { "retry-after": "2" } } : { status: 202 }));
    const client = new TargetClient(target.url, { connections: 2, requestTimeoutSeconds: 5, transport });
    try {
      const body = JSON.stringify({ hello: "wörld" });
      const first = await client.send(body, { "content-type": "application/json", "X-Hub-Signature-256": "sha256=x" });
      expect(first).toMatchObject({ status: 429, headers: { "retry-after": "2" } });
      const prepared = client.prepare(body, { "content-type": "application/json" });
      const second = await new Promise<[AttemptResult, string]>((resolve) => client.dispatch(prepared, (r, c) => resolve([r, c]), "ctx"));
      expect(second[0].status).toBe(202);
      expect(second[1]).toBe("ctx");
      expect(Number.isNaN(second[0].writtenAt)).toBe(false);
      expect(target.arrivals.map((a) => a.body)).toEqual([body, body]);
      expect(target.arrivals[0].headers["x-hub-signature-256"]).toBe("sha256=x");
    } finally {
      await client.close();
    }
  });

  test("a refused connection is a network error result, not a rejection", async () => {
    target = await startTarget();
    const url = target.url;
    await target.close();
    target = undefined;
    const client = new TargetClient(url, { connections: 1, requestTimeoutSeconds: 5, transport });
    try {
      expect(await client.send("{}", {})).toMatchObject({ status: 0, error: { kind: "network" } });
    } finally {
      await client.close();
    }
  });
});

test("the lean transport refuses https targets", () => {
  expect(() => new TargetClient("https://127.0.0.1:1/x", { connections: 1, requestTimeoutSeconds: 1, transport: "lean" })).toThrow(
    /http only/,
  );
});
