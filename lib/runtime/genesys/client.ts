/**
 * The Genesys Cloud Platform API client a worker uses to answer: OAuth client credentials
 * from the region's login host (token cached until shortly before it expires), every API
 * call through a {@link Downstream} (per-instance token bucket, 429 -> ThrottledError with
 * Retry-After, 5xx/network -> retryable, circuit breaker).
 */
import { DownstreamUnavailableError, RetryableError } from "../errors";
import { Downstream, markSimulated, throwForStatus, type CircuitBreakerOptions, type HttpTransport } from "./downstream";
import { genesysBaseUrls } from "./regions";

/** OAuth client credentials (the JSON of the secret named by GCX_GENESYS_CREDENTIALS_SECRET_ARN). */
export interface GenesysCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface GenesysClientOptions {
  /** Genesys Cloud region as the provider names it. Default "us-east-1". */
  readonly region?: string;
  /** Override of `https://api.<region domain>`. Default: from the region. */
  readonly apiBaseUrl?: string;
  /** Override of `https://login.<region domain>`. Default: from the region. */
  readonly loginBaseUrl?: string;
  /** The client credentials, or a function that loads them (called when a token is needed). */
  readonly credentials: GenesysCredentials | (() => Promise<GenesysCredentials>);
  /** Per-instance request rate, requests per second. Default 1. */
  readonly ratePerSecond?: number;
  /** Token-bucket burst, requests. Default 1. */
  readonly burst?: number;
  /** Longest wait for a rate-limit token before the message is delayed instead, milliseconds. Default 5000. */
  readonly maxWaitMs?: number;
  /** Circuit breaker, or false. Default { consecutiveFailures: 5, halfOpenAfterSeconds: 30 }. */
  readonly breaker?: CircuitBreakerOptions | false;
  /** Timeout of one call, milliseconds. Default 10000. */
  readonly timeoutMs?: number;
  /** A token is renewed this long before it expires, seconds. Default 60. */
  readonly tokenRefreshMarginSeconds?: number;
  /** How requests (token and API) are sent. Default: the global `fetch`. */
  readonly transport?: HttpTransport;
  /**
   * Why this client cannot be used (a worker whose stack declared no Genesys credentials):
   * every call then throws a {@link GenesysNotConfiguredError} with this message, before any
   * rate-limit token, secret read or network use. Default: none (the client works).
   */
  readonly notConfigured?: string;
}

/**
 * A handler used `ctx.genesys` on a worker whose stack declared no Genesys credentials.
 * Retryable (the message goes back on the queue, and is dead-lettered `exhausted` after
 * maxReceiveCount), so messages received before the fix is deployed are not lost at once.
 */
export class GenesysNotConfiguredError extends RetryableError {
  // explicit: a minified bundle renames classes, and the dead-letter context carries this name
  override readonly name = "GenesysNotConfiguredError";
}

/**
 * A transport standing for Genesys without a network call (synthetic messages): the token
 * endpoint answers a token, every API call `202 Accepted` with an empty body. `onRequest` is
 * told of each API call (not of token requests). Marked simulated ({@link markSimulated}):
 * a client view through it is refused while the breaker is open but never recorded by it.
 */
export function simulatedGenesysTransport(onRequest?: (url: string, init: RequestInit) => void): HttpTransport {
  return markSimulated(async (url, init) => {
    init.signal?.throwIfAborted();
    if (new URL(String(url)).pathname === "/oauth/token") {
      return Response.json({ access_token: "simulated-token", token_type: "bearer", expires_in: 86_399 });
    }
    onRequest?.(String(url), init);
    return new Response(null, { status: 202, statusText: "Accepted (simulated)" });
  });
}

/** The kinds of Open Messaging inbound call. */
export type InboundKind = "message" | "receipt" | "event";

export class GenesysClient {
  readonly apiBaseUrl: string;
  readonly loginBaseUrl: string;
  /** The downstream wrapper every API call goes through (its breaker state is observable). */
  readonly downstream: Downstream;
  private readonly credentials: () => Promise<GenesysCredentials>;
  private readonly refreshMarginMs: number;
  private readonly notConfigured?: string;
  private transport: HttpTransport;
  /** The access token cache: shared by views that send to the same Genesys, not by a simulated one. */
  private tokens: { current?: { value: string; expiresAtMs: number }; pending?: Promise<string> } = {};

  constructor(options: GenesysClientOptions) {
    const urls = genesysBaseUrls(options.region ?? "us-east-1", options);
    this.apiBaseUrl = urls.apiBaseUrl;
    this.loginBaseUrl = urls.loginBaseUrl;
    const creds = options.credentials;
    this.credentials = typeof creds === "function" ? creds : async () => creds;
    this.refreshMarginMs = (options.tokenRefreshMarginSeconds ?? 60) * 1000;
    this.transport = options.transport ?? ((url, init) => fetch(url, init));
    this.notConfigured = options.notConfigured;
    this.downstream = new Downstream({
      name: "genesys",
      ratePerSecond: options.ratePerSecond ?? 1,
      burst: options.burst,
      maxWaitMs: options.maxWaitMs,
      breaker: options.breaker,
      timeoutMs: options.timeoutMs,
    });
  }

  /**
   * A view of this client that sends through `transport`, sharing its credentials, base URLs,
   * token bucket and breaker (a synthetic message spends the same budget as a real one; through
   * a simulated transport its calls are refused while the breaker is open but never recorded
   * by it, see {@link Downstream.withTransport}). Its token cache is its own unless
   * `shareTokens` (a transport that reaches the same Genesys).
   */
  withTransport(transport: HttpTransport, options: { readonly shareTokens?: boolean } = {}): GenesysClient {
    const view = Object.assign(Object.create(GenesysClient.prototype) as GenesysClient, this, {
      downstream: this.downstream.withTransport(transport),
    });
    view.transport = transport;
    if (!options.shareTokens) view.tokens = {};
    return view;
  }

  /** POST /api/v2/conversations/messages/{integrationId}/inbound/open/message: a customer message into Genesys. */
  sendInboundMessage<T = unknown>(integrationId: string, body: unknown): Promise<T> {
    return this.inbound<T>("message", integrationId, body);
  }

  /** POST .../inbound/open/receipt: a delivery receipt for an outbound message. */
  sendReceipt<T = unknown>(integrationId: string, body: unknown): Promise<T> {
    return this.inbound<T>("receipt", integrationId, body);
  }

  /** POST .../inbound/open/event: a typing or other event. */
  sendEvent<T = unknown>(integrationId: string, body: unknown): Promise<T> {
    return this.inbound<T>("event", integrationId, body);
  }

  private inbound<T>(kind: InboundKind, integrationId: string, body: unknown): Promise<T> {
    if (!integrationId) throw new TypeError(`send ${kind}: integrationId is empty`);
    return this.request<T>("POST", `/api/v2/conversations/messages/${encodeURIComponent(integrationId)}/inbound/open/${kind}`, body);
  }

  /** Any Platform API call, with the same token, rate limit, 429 and breaker rules. Resolves to the parsed JSON answer (undefined when empty). */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    if (this.notConfigured !== undefined) return Promise.reject(new GenesysNotConfiguredError(this.notConfigured));
    return this.downstream.call(async (signal) => {
      const token = await this.accessToken(signal);
      const response = await this.send(`${this.apiBaseUrl}${path}`, {
        method,
        signal,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (response.status === 401) {
        // Revoked or expired early: forget it, and let the message come back for a fresh one.
        this.tokens.current = undefined;
        await response.body?.cancel();
        throw new RetryableError("genesys: 401 Unauthorized; the access token was dropped and will be renewed");
      }
      await throwForStatus("genesys", response);
      const text = await response.text();
      return (text ? JSON.parse(text) : undefined) as T;
    });
  }

  /**
   * The cached access token, renewed `tokenRefreshMarginSeconds` before it expires; one renewal
   * at a time. Throws a {@link GenesysNotConfiguredError} on a client that is `notConfigured`.
   */
  async accessToken(signal?: AbortSignal): Promise<string> {
    if (this.notConfigured !== undefined) throw new GenesysNotConfiguredError(this.notConfigured);
    const tokens = this.tokens;
    if (tokens.current && Date.now() < tokens.current.expiresAtMs - this.refreshMarginMs) return tokens.current.value;
    tokens.pending ??= this.fetchToken(signal).finally(() => (tokens.pending = undefined));
    return tokens.pending;
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const { clientId, clientSecret } = await this.credentials();
    const response = await this.send(`${this.loginBaseUrl}/oauth/token`, {
      method: "POST",
      signal,
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
    });
    if (response.status === 429) await throwForStatus("genesys login", response);
    if (response.status >= 400) {
      // Bad credentials are a configuration problem, not the message's: retryable (and
      // counted by the breaker), so messages wait for the fix instead of being dead-lettered.
      const text = (await response.text().catch(() => "")).slice(0, 200);
      throw new DownstreamUnavailableError(
        `genesys login: HTTP ${response.status} from ${this.loginBaseUrl}/oauth/token: ${text}`,
        response.status,
      );
    }
    const json = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof json.access_token !== "string" || !json.access_token)
      throw new DownstreamUnavailableError("genesys login: the token answer has no access_token");
    const expiresIn = typeof json.expires_in === "number" ? json.expires_in : 3600;
    this.tokens.current = { value: json.access_token, expiresAtMs: Date.now() + expiresIn * 1000 };
    return json.access_token;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.transport(url, init);
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new DownstreamUnavailableError(`genesys: ${init.method} ${url} failed: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
  }
}
