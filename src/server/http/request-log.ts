/**
 * Request ids and the access log. Free of `server-only`: server.ts uses it.
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { log } from "../log";

export const REQUEST_ID_HEADER = "x-request-id";

// A proxy's id is kept when it looks like one (so a request can be followed
// from nginx's log to ours); anything else a client sends is replaced.
const SANE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The request's id: the proxy's X-Request-Id when sane, else a new UUID. It
 * is echoed as X-Request-Id and passed on to route handlers in the request's
 * headers, so every log line and error report about it can carry it.
 */
export function requestIdOf(req: http.IncomingMessage, res: http.ServerResponse): string {
  const sent = req.headers[REQUEST_ID_HEADER];
  const id = typeof sent === "string" && SANE_ID.test(sent) ? sent : randomUUID();
  req.headers[REQUEST_ID_HEADER] = id;
  res.setHeader("X-Request-Id", id);
  return id;
}

/**
 * The route pattern of a path, for logs and metrics: ids collapsed, so the
 * number of distinct values stays small (a metric label per ticket would not).
 */
export function routeOf(url: string | undefined): string {
  const pathname = (url ?? "/").split("?")[0] ?? "/";
  if (pathname.startsWith("/_next/")) return "/_next/*";
  if (pathname.startsWith("/socket.io/")) return "/socket.io/";
  return pathname
    .split("/")
    .map((segment) => (/^[a-z0-9]{20,}$/i.test(segment) || /^\d+$/.test(segment) || /^[0-9a-f-]{32,36}$/i.test(segment) ? ":id" : segment))
    .join("/")
    .slice(0, 100);
}

/** Called with each finished request (metrics hang on it). */
export type RequestObserver = (route: string, method: string, status: number, seconds: number) => void;
const observers: RequestObserver[] = [];
export function observeRequests(observer: RequestObserver): void {
  observers.push(observer);
}

/** One access-log line per request when its response is done (static assets only at debug). */
export function logWhenDone(req: http.IncomingMessage, res: http.ServerResponse): void {
  const started = process.hrtime.bigint();
  res.once("finish", () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const route = routeOf(req.url);
    const method = req.method ?? "GET";
    for (const observe of observers) observe(route, method, res.statusCode, seconds);
    // The id explicitly: "finish" may fire outside the request's async context.
    const line = { reqId: req.headers[REQUEST_ID_HEADER], method, route, status: res.statusCode, ms: Math.round(seconds * 1000) };
    if (route === "/_next/*" || route === "/socket.io/") log.debug(line, "request");
    else log.info(line, "request");
  });
}
