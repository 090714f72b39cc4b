/**
 * A Genesys-like fake downstream on 127.0.0.1, for tests, the local emulator and the
 * reliability suites: OAuth client credentials (POST /oauth/token), the Open Messaging
 * inbound endpoints (POST /api/v2/conversations/messages/{integrationId}/inbound/open/
 * {message|receipt|event}), a token-bucket rate limit answering 429 with Retry-After and
 * Genesys' 429 body, optional injected failures, and side effects counted per message id.
 * The login and API hosts are the same server: use `endpoint` for both base URLs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";

export interface FakeGenesysOptions {
  /** Accepted inbound calls per second (all kinds together). Default: no limit. */
  readonly ratePerSecond?: number;
  /** Token-bucket burst, calls. Default: `ratePerSecond` rounded up (at least 1). */
  readonly burst?: number;
  /** Retry-After of a 429, seconds. Default: the time until the next token, rounded up (at least 1). */
  readonly retryAfterSeconds?: number;
  /** Client id the token endpoint accepts. Default: any. */
  readonly clientId?: string;
  /** Client secret the token endpoint accepts. Default: any. */
  readonly clientSecret?: string;
  /** `expires_in` of issued tokens, seconds. Default 86399 (as Genesys). */
  readonly tokenExpiresInSeconds?: number;
  /** Time each accepted inbound call takes, milliseconds. Default 0. */
  readonly latencyMs?: number;
  /** Port, 0 for a free one. Default 0. */
  readonly port?: number;
}

export type InboundKind = "message" | "receipt" | "event";

export interface FakeGenesysStats {
  /** Inbound calls received (accepted + throttled + failed + unauthorized). */
  readonly requests: number;
  /** Inbound calls answered 200: side effects. */
  readonly accepted: number;
  /** Inbound calls answered 429. */
  readonly throttled: number;
  /** Inbound calls answered with an injected failure. */
  readonly failed: number;
  /** Inbound calls answered 401 (no or unknown token). */
  readonly unauthorized: number;
  /** Tokens issued. */
  readonly tokensIssued: number;
  /** Token requests refused (bad client credentials). */
  readonly tokenRejected: number;
  /** Accepted calls per kind. */
  readonly byKind: Readonly<Record<InboundKind, number>>;
  /** Message ids with more than one accepted call. */
  readonly duplicateEffects: number;
}

export interface AcceptedCall {
  readonly kind: InboundKind;
  readonly integrationId: string;
  readonly messageId: string | undefined;
  readonly body: unknown;
  readonly atMs: number;
}

export interface FakeGenesys {
  /** Base URL of both the login and the API host, e.g. http://127.0.0.1:54321 */
  readonly endpoint: string;
  readonly port: number;
  stats(): FakeGenesysStats;
  /** Accepted calls for a message id (the body's `id`, else `channel.messageId`). */
  effects(messageId: string): number;
  /** Every accepted call, in order. */
  calls(): readonly AcceptedCall[];
  /** Answers the next `count` inbound calls with `status` (default 503) instead of accepting them. */
  failNext(count: number, status?: number): void;
  /** Clears counters, calls and injected failures (tokens stay valid). */
  reset(): void;
  close(): Promise<void>;
}

const INBOUND = /^\/api\/v2\/conversations\/messages\/([^/]+)\/inbound\/open\/(message|receipt|event)$/;

type Counters = {
  requests: number;
  accepted: number;
  throttled: number;
  failed: number;
  unauthorized: number;
  tokensIssued: number;
  tokenRejected: number;
};

const zeroCounters = (): Counters => ({
  requests: 0,
  accepted: 0,
  throttled: 0,
  failed: 0,
  unauthorized: 0,
  tokensIssued: 0,
  tokenRejected: 0,
});

/** The fake's state in one object: its token bucket, the tokens it issued, the calls it accepted and its counters. */
class FakeGenesysState {
  readonly rate: number | undefined;
  readonly burst: number;
  tokens: number;
  refilledMs = Date.now();
  readonly tokensIssued = new Set<string>();
  readonly effects = new Map<string, number>();
  calls: AcceptedCall[] = [];
  pendingFailures: { count: number; status: number } = { count: 0, status: 503 };
  readonly counters: Counters = zeroCounters();
  byKind: Record<InboundKind, number> = { message: 0, receipt: 0, event: 0 };

  constructor(readonly options: FakeGenesysOptions) {
    this.rate = options.ratePerSecond;
    this.burst = Math.max(1, options.burst ?? Math.ceil(this.rate ?? 1));
    this.tokens = this.burst;
  }

  /** Takes a token; returns 0, or the seconds until one is due. */
  take(): number {
    const rate = this.rate;
    if (rate === undefined) return 0;
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledMs) / 1000) * rate);
    this.refilledMs = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / rate;
  }

  stats(): FakeGenesysStats {
    return { ...this.counters, byKind: { ...this.byKind }, duplicateEffects: [...this.effects.values()].filter((n) => n > 1).length };
  }

  /** Clears counters, calls and injected failures and refills the bucket (issued tokens stay valid). */
  reset(): void {
    for (const k of Object.keys(this.counters) as (keyof Counters)[]) this.counters[k] = 0;
    this.byKind = { message: 0, receipt: 0, event: 0 };
    this.effects.clear();
    this.calls = [];
    this.pendingFailures = { count: 0, status: 503 };
    this.tokens = this.burst;
    this.refilledMs = Date.now();
  }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", "inin-correlation-id": randomUUID(), ...headers });
  res.end(JSON.stringify(body));
};

/** An error in Genesys' error body shape. */
const error = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  json(res, status, { message, code, status, contextId: randomUUID(), details: [], errors: [] }, headers);

/** The client id and secret of a token request: HTTP Basic when given, else the form's fields. */
function clientCredentials(req: IncomingMessage, form: URLSearchParams): { id?: string; secret?: string } {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Basic ")) {
    const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
    const at = decoded.indexOf(":");
    return { id: decoded.slice(0, at), secret: decoded.slice(at + 1) };
  }
  return { id: form.get("client_id") ?? undefined, secret: form.get("client_secret") ?? undefined };
}

/** POST /oauth/token: the client credentials grant. */
function handleToken(state: FakeGenesysState, req: IncomingMessage, res: ServerResponse, raw: string): void {
  const { options } = state;
  const form = new URLSearchParams(raw);
  const { id, secret } = clientCredentials(req, form);
  if (form.get("grant_type") !== "client_credentials")
    return json(res, 400, { error: "unsupported_grant_type", description: "grant_type must be client_credentials" });
  const ok =
    id &&
    secret &&
    (options.clientId === undefined || options.clientId === id) &&
    (options.clientSecret === undefined || options.clientSecret === secret);
  if (!ok) {
    state.counters.tokenRejected++;
    return json(res, 401, { error: "invalid_client", description: "client not found or bad secret" });
  }
  const token = randomUUID();
  state.tokensIssued.add(token);
  state.counters.tokensIssued++;
  return json(res, 200, { access_token: token, token_type: "bearer", expires_in: options.tokenExpiresInSeconds ?? 86_399 });
}

/** The body of an inbound call as a JSON object, or undefined when it is not one. */
function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const body = JSON.parse(raw) as unknown;
    return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POST .../inbound/open/{kind}: the bearer token, the body, an injected failure, the rate
 * limit (429 with Retry-After), then the accepted call and its side effect counted.
 */
async function handleInbound(state: FakeGenesysState, req: IncomingMessage, res: ServerResponse, raw: string, match: RegExpExecArray) {
  const { options, counters } = state;
  counters.requests++;
  const bearer = req.headers.authorization?.startsWith("Bearer ") ? req.headers.authorization.slice(7) : undefined;
  if (!bearer || !state.tokensIssued.has(bearer)) {
    counters.unauthorized++;
    return error(res, 401, "authentication.required", "No authentication bearer token specified in authorization header.");
  }
  const body = parseObject(raw);
  if (!body) return error(res, 400, "bad.request", "The request could not be understood by the server due to malformed syntax.");
  if (state.pendingFailures.count > 0) {
    state.pendingFailures.count--;
    counters.failed++;
    return error(res, state.pendingFailures.status, "service.unavailable", "injected failure");
  }
  const wait = state.take();
  if (wait > 0) {
    counters.throttled++;
    const retryAfter = options.retryAfterSeconds ?? Math.max(1, Math.ceil(wait));
    return error(
      res,
      429,
      "too.many.requests.retry.after",
      `Rate limit exceeded the maximum. Retry the request in [${retryAfter}] seconds`,
      {
        "retry-after": String(retryAfter),
      },
    );
  }
  if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
  const kind = match[2] as InboundKind;
  const channel = (body.channel ?? {}) as Record<string, unknown>;
  const messageId = typeof body.id === "string" ? body.id : typeof channel.messageId === "string" ? channel.messageId : undefined;
  if (messageId !== undefined) state.effects.set(messageId, (state.effects.get(messageId) ?? 0) + 1);
  counters.accepted++;
  state.byKind[kind]++;
  state.calls.push({ kind, integrationId: decodeURIComponent(match[1]), messageId, body, atMs: Date.now() });
  return json(res, 200, { ...body, id: messageId ?? randomUUID(), channel: { ...channel, id: decodeURIComponent(match[1]) } });
}

/** Routes one request, its body read: the token endpoint, an inbound endpoint, else 404. */
async function handle(state: FakeGenesysState, req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (req.method === "POST" && url.pathname === "/oauth/token") return handleToken(state, req, res, raw);
  const match = req.method === "POST" ? INBOUND.exec(url.pathname) : null;
  if (!match) return error(res, 404, "not.found", `no route ${req.method} ${url.pathname}`);
  return handleInbound(state, req, res, raw, match);
}

/** Starts the fake; resolves when it listens. */
export async function startFakeGenesys(options: FakeGenesysOptions = {}): Promise<FakeGenesys> {
  const rate = options.ratePerSecond;
  if (rate !== undefined && !(rate > 0)) throw new RangeError(`startFakeGenesys: ratePerSecond must be > 0, got ${rate}`);
  const state = new FakeGenesysState(options);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(state, req, res, Buffer.concat(chunks).toString("utf8")).catch((e: Error) =>
        error(res, 500, "internal.server.error", e.message),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stats: () => state.stats(),
    effects: (messageId) => state.effects.get(messageId) ?? 0,
    calls: () => state.calls,
    failNext: (count, status = 503) => {
      state.pendingFailures = { count, status };
    },
    reset: () => state.reset(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
