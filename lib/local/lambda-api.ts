/**
 * A minimal local Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`), what
 * the spike generator calls: RequestResponse for its fan-out agents, Event for the
 * continuation of a long reconciliation; the local scheduler fires schedules through the
 * same asynchronous path. Functions are the stack's, by name or ARN (qualifier `$LATEST` or
 * none), each hosted in a {@link FunctionHost} started on first use.
 *
 * Asynchronous invocations are retried `maximum_retry_attempts` times (the function's
 * aws_lambda_function_event_invoke_config, else Lambda's default 2), immediately (Lambda
 * waits about a minute, then two). Payload limits are Lambda's: 6 MB synchronous, 1 MB
 * asynchronous (Invoke API reference, https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { LAMBDA_MAX_ASYNC_PAYLOAD_BYTES, LAMBDA_MAX_SYNC_PAYLOAD_BYTES } from "../runtime/aws-limits";
import type { FunctionHost, InvokeResult } from "./lambda-host";
import { closeServer, listenLoopback } from "./services";

/** Lambda's payload limits, bytes. */
export const PAYLOAD_LIMITS = { requestResponse: LAMBDA_MAX_SYNC_PAYLOAD_BYTES, event: LAMBDA_MAX_ASYNC_PAYLOAD_BYTES } as const;
/** Retries of an asynchronous invocation when the function has no event invoke config (Lambda's default). */
export const DEFAULT_ASYNC_RETRIES = 2;

/** One finished asynchronous invocation. */
export interface AsyncInvocation {
  readonly functionName: string;
  readonly payload: unknown;
  readonly startedMs: number;
  readonly finishedMs: number;
  /** Attempts made (1 + retries used). */
  readonly attempts: number;
  readonly result: InvokeResult;
}

/** A function the API can invoke. */
export interface InvokableFunction {
  readonly name: string;
  readonly arn: string;
  /** Retries of an asynchronous invocation. */
  readonly asyncRetries: number;
  /** Starts (once) and returns the function's host. */
  host(): FunctionHost;
}

/** A running local Lambda API. */
export interface LambdaApi {
  readonly endpoint: string;
  /** Every finished asynchronous invocation, in finishing order. */
  readonly asyncInvocations: readonly AsyncInvocation[];
  /** Queues an asynchronous invocation (what a schedule's target does). */
  invokeAsync(functionRef: string, payload: unknown): void;
  /** Resolves once no asynchronous invocation is queued or running (chained ones included). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** `name`, `arn:...:function:name` or either with `:$LATEST`: the function name, or undefined. */
export function functionNameOf(ref: string): string | undefined {
  const arn = /^arn:[^:]+:lambda:[^:]*:\d*:function:([^:]+)(?::(.+))?$/.exec(ref);
  const [name, qualifier] = arn ? [arn[1], arn[2]] : ref.split(":");
  if (qualifier !== undefined && qualifier !== "$LATEST") return undefined;
  return name || undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type, "x-amzn-requestid": "local" });
  res.end(JSON.stringify({ Type: "User", message }));
}

/** The API's state in one object: the functions by name, the finished asynchronous invocations and the ones still running. */
class LambdaApiState {
  readonly byName: ReadonlyMap<string, InvokableFunction>;
  readonly asyncInvocations: AsyncInvocation[] = [];
  private running = 0;
  private waiters: (() => void)[] = [];

  constructor(functions: readonly InvokableFunction[]) {
    this.byName = new Map(functions.map((f) => [f.name, f]));
  }

  /** The function a name or ARN (with `$LATEST` or no qualifier) refers to. */
  find(ref: string): InvokableFunction | undefined {
    const name = functionNameOf(ref);
    return name ? this.byName.get(name) : undefined;
  }

  /** Runs an asynchronous invocation in the background, retried up to the function's asyncRetries. */
  runAsync(fn: InvokableFunction, payload: unknown): void {
    this.running++;
    const startedMs = Date.now();
    void (async () => {
      let attempts = 0;
      let result: InvokeResult;
      do {
        attempts++;
        result = await fn
          .host()
          .invoke(payload)
          .catch((error: Error) => ({ ok: false as const, errorType: "Runtime.HostError", errorMessage: error.message, durationMs: 0 }));
      } while (!result.ok && attempts <= fn.asyncRetries);
      this.asyncInvocations.push({ functionName: fn.name, payload, startedMs, finishedMs: Date.now(), attempts, result });
    })().finally(() => {
      this.running--;
      this.settle();
    });
  }

  /** Resolves once no asynchronous invocation is queued or running. */
  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private settle(): void {
    if (this.running > 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}

/** InvocationType Event: 202 at once, the invocation run in the background (1 MB payload limit). */
function invokeEvent(state: LambdaApiState, fn: InvokableFunction, body: Buffer, payload: unknown, res: ServerResponse): void {
  if (body.length > PAYLOAD_LIMITS.event)
    return sendError(
      res,
      413,
      "RequestTooLargeException",
      `Request must be smaller than ${PAYLOAD_LIMITS.event} bytes for the InvokeAsync operation`,
    );
  state.runAsync(fn, payload);
  res.writeHead(202, { "x-amzn-requestid": "local" });
  res.end();
}

/** InvocationType RequestResponse: the function's result, its error as X-Amz-Function-Error, or 429 when throttled (6 MB limit). */
async function invokeRequestResponse(fn: InvokableFunction, body: Buffer, payload: unknown, res: ServerResponse): Promise<void> {
  if (body.length > PAYLOAD_LIMITS.requestResponse)
    return sendError(
      res,
      413,
      "RequestTooLargeException",
      `Request must be smaller than ${PAYLOAD_LIMITS.requestResponse} bytes for the Invoke operation`,
    );
  const result = await fn.host().invoke(payload);
  if (result.ok) {
    res.writeHead(200, { "content-type": "application/json", "x-amz-executed-version": "$LATEST" });
    return void res.end(JSON.stringify(result.payload));
  }
  if (result.throttled) return sendError(res, 429, "TooManyRequestsException", result.errorMessage);
  res.writeHead(200, { "content-type": "application/json", "x-amz-executed-version": "$LATEST", "x-amz-function-error": "Unhandled" });
  res.end(JSON.stringify({ errorType: result.errorType, errorMessage: result.errorMessage }));
}

/** Answers one request: only Invoke is routed (by invocation type); anything else is a Lambda error. */
async function handleInvoke(state: LambdaApiState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://local");
  const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
  if (req.method !== "POST" || !m)
    return sendError(res, 404, "UnknownOperationException", `${req.method} ${req.url}: only Invoke is part of the local Lambda API`);
  const ref = decodeURIComponent(m[1]);
  const qualifier = url.searchParams.get("Qualifier");
  const fn = state.find(qualifier ? `${ref}:${qualifier}` : ref);
  if (!fn)
    return sendError(
      res,
      404,
      "ResourceNotFoundException",
      `Function not found: ${ref}${qualifier ? `:${qualifier}` : ""} (the stack's functions: ${[...state.byName.keys()].join(", ")})`,
    );
  const body = await readBody(req);
  const type = String(req.headers["x-amz-invocation-type"] ?? "RequestResponse");
  let payload: unknown = {};
  if (body.length) {
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      return sendError(res, 400, "InvalidRequestContentException", "Could not parse request body into json");
    }
  }
  if (type === "Event") return invokeEvent(state, fn, body, payload, res);
  if (type === "DryRun") {
    res.writeHead(204);
    return void res.end();
  }
  if (type !== "RequestResponse")
    return sendError(res, 400, "InvalidParameterValueException", `X-Amz-Invocation-Type ${type} is not Event, RequestResponse or DryRun`);
  return invokeRequestResponse(fn, body, payload, res);
}

/** Starts the local Lambda API on a free loopback port. */
export async function startLambdaApi(functions: readonly InvokableFunction[]): Promise<LambdaApi> {
  const state = new LambdaApiState(functions);
  const server: Server = createServer((req, res) => {
    handleInvoke(state, req, res).catch((error: Error) => sendError(res, 500, "ServiceException", error.message));
  });
  const endpoint = await listenLoopback(server);
  return {
    endpoint,
    asyncInvocations: state.asyncInvocations,
    invokeAsync(ref, payload) {
      const fn = state.find(ref);
      if (!fn) throw new Error(`the schedule's target ${ref} is not an aws_lambda_function of the stack`);
      state.runAsync(fn, payload);
    },
    idle: () => state.idle(),
    close: () => closeServer(server),
  };
}
