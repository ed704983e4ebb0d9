import type http from "node:http";
import type { Duplex } from "node:stream";

/**
 * Lingering close (RFC 9112, section 9.6). Closing a socket whose client is
 * still sending leaves unread bytes in the kernel, which then resets the
 * connection instead of closing it, and a reset can destroy the answer before
 * the client has read it. Instead our side is closed for writing and what the
 * client still sends is read and discarded until it closes too, for at most
 * `ms` (nginx does the same: lingering_close).
 *
 * Two ways a connection closes with the client still sending:
 * - a response ends the connection before its request's body was read (a body
 *   refused midway as too large, a cross-site refusal): `onRequest`. A chunked
 *   over-cap comment got EPIPE instead of its 413 in 1 of 60 tries.
 * - the parser fails on what follows a request (bytes past a lying
 *   Content-Length, garbage, headers too large): `onClientError`. Node's own
 *   handling wrote a bare 400 over the answer the route was still preparing
 *   and destroyed the socket at once; under load the client got a reset and
 *   nothing at all (tests/security/web.test.ts, "a lying Content-Length").
 */
export type LingerLimits = {
  /** How long to read and discard after our side is closed. */
  ms: number;
  /** How much to discard from a response that closes mid-body before giving up. */
  bytes: number;
  /** A parse error waits for the answers in flight, at most this long. */
  inFlightMs: number;
};

const DEFAULT_LIMITS: LingerLimits = { ms: 2_000, bytes: 1024 * 1024, inFlightMs: 30_000 };

type Exchange = { req: http.IncomingMessage; res: http.ServerResponse };

// Node's answers to what its parser refuses (lib/_http_server.js), kept as they are.
const PARSE_ERROR_ANSWERS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n",
  ERR_HTTP_REQUEST_TIMEOUT: "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n",
};
const BAD_REQUEST = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";

export function createLingering(limits: LingerLimits = DEFAULT_LIMITS) {
  // The requests read on a socket whose answers are not finished yet: several
  // when a client pipelines. Kept here rather than read from Node's private
  // socket._httpMessage.
  const inFlight = new WeakMap<Duplex, Set<Exchange>>();
  // Sockets whose parser failed: every later read fails again (that is how
  // their bytes get discarded), and each failure is reported again.
  const failed = new WeakSet<Duplex>();

  /**
   * End our side of `socket` and discard what the client still sends until it
   * ends too, or `limits.ms` pass. Returns the function that closes it once
   * the client is done sending, or null when Node was not about to close it
   * (a keep-alive answer), and leaves it be.
   */
  function lingerThenClose(socket: Duplex, { force }: { force: boolean }): (() => void) | null {
    // Node's server ends a closing response with socket.destroySoon(): end(),
    // then destroy() once the end is flushed. Keep the end, drop the destroy.
    const destroyAfterEnd = (l: unknown) => l === socket.destroy || (l as { listener?: unknown }).listener === socket.destroy;
    const closing = socket.listeners("finish").some(destroyAfterEnd);
    if (!closing && !force) return null;
    socket.removeListener("finish", socket.destroy);
    if (!socket.writableEnded) socket.end();
    const close = () => {
      clearTimeout(timer);
      // The client has ended or we give up waiting: anything we wrote is
      // flushed first (ended and not yet finished means bytes in flight).
      if (socket.writableFinished || socket.destroyed) socket.destroy();
      else socket.once("finish", () => socket.destroy());
    };
    const timer = setTimeout(() => socket.destroy(), limits.ms);
    timer.unref();
    socket.once("end", close);
    socket.once("close", () => clearTimeout(timer));
    return close;
  }

  function onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    let exchanges = inFlight.get(socket);
    if (!exchanges) inFlight.set(socket, (exchanges = new Set()));
    const exchange = { req, res };
    exchanges.add(exchange);
    res.once("close", () => exchanges.delete(exchange));
    res.once("finish", () => {
      exchanges.delete(exchange);
      if (failed.has(socket)) {
        // A parse error came while this answer was in flight: with the last
        // one written, close as the error would have.
        if (exchanges.size === 0) lingerThenClose(socket, { force: true });
        return;
      }
      if (req.complete) return;
      const close = lingerThenClose(socket, { force: false });
      if (!close) return;
      let discarded = 0;
      req.on("data", (chunk: Buffer) => {
        discarded += chunk.length;
        if (discarded > limits.bytes) socket.destroy();
      });
      // The body's end: the client has sent all it meant to.
      req.once("end", close);
      req.once("error", () => socket.destroy());
      req.resume();
    });
  }

  /** The server's `clientError` listener, in place of Node's own handling. */
  function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    if (failed.has(socket)) return;
    const code = err.code ?? "";
    const exchanges = [...(inFlight.get(socket) ?? [])];
    const parseError = code.startsWith("HPE_") || code === "ERR_HTTP_REQUEST_TIMEOUT";
    // A broken connection (ECONNRESET, EPIPE), or a request whose own body
    // failed to parse (the route reading it must learn it was cut off): as Node does.
    if (!parseError || exchanges.some((e) => !e.req.complete)) {
      if (socket.writable && parseError && exchanges.every((e) => !e.res.headersSent)) socket.write(PARSE_ERROR_ANSWERS[code] ?? BAD_REQUEST);
      socket.destroy(err);
      return;
    }
    failed.add(socket);
    // Never wait on the answers in flight for ever.
    const giveUp = setTimeout(() => socket.destroy(), limits.inFlightMs);
    giveUp.unref();
    socket.once("close", () => clearTimeout(giveUp));
    if (exchanges.length === 0) {
      if (socket.writable) socket.write(PARSE_ERROR_ANSWERS[code] ?? BAD_REQUEST);
      lingerThenClose(socket, { force: true });
      return;
    }
    // The requests before the bad bytes were whole: they get their answers,
    // each saying the connection closes (unless already on its way), and the
    // last one's end closes it (onRequest).
    for (const e of exchanges) if (!e.res.headersSent) e.res.shouldKeepAlive = false;
  }

  return { onRequest, onClientError };
}
