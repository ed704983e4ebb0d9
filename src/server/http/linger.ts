import type http from "node:http";

/**
 * Lingering close (RFC 9112, section 9.6). When a response ends its
 * connection while the client is still sending the request's body (a body
 * refused midway as too large, a cross-site refusal), Node's server closed the
 * socket as soon as the response was flushed. Closing with unread bytes makes
 * the kernel reset the connection, and a client still writing could then lose
 * the answer it had been sent: a chunked over-cap comment got EPIPE instead of
 * its 413 in 1 of 60 tries (tests/security/web.test.ts, bench runs). Instead,
 * our side is closed for writing and what the client still sends is read and
 * discarded until it closes too, for at most `ms` and `bytes` (nginx does the
 * same: lingering_close).
 */
export function lingerOnClose(req: http.IncomingMessage, res: http.ServerResponse, limits = { ms: 2_000, bytes: 1024 * 1024 }): void {
  res.once("finish", () => {
    if (req.complete) return;
    const socket = req.socket;
    // Node's server ends a closing response with socket.destroySoon(): end(),
    // then destroy() once the end is flushed. Keep the end, drop the destroy.
    const destroyAfterEnd = (l: unknown) => l === socket.destroy || (l as { listener?: unknown }).listener === socket.destroy;
    if (!socket.listeners("finish").some(destroyAfterEnd)) return;
    socket.removeListener("finish", socket.destroy);
    let discarded = 0;
    const close = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(close, limits.ms);
    timer.unref();
    req.on("data", (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > limits.bytes) close();
    });
    req.once("end", close);
    req.once("error", close);
    socket.once("close", () => clearTimeout(timer));
    req.resume();
  });
}
