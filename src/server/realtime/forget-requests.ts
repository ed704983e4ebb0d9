import "server-only";
import type { IncomingMessage } from "node:http";
import type { Server, Socket } from "socket.io";

/** Drop a request's headers (the session cookie among them); nothing reads them once the handshake is done. */
function forgetHeaders(req: IncomingMessage) {
  req.headers = {};
  req.rawHeaders = [];
}

/**
 * Let go of what the handshake's HTTP requests carry, once they are read:
 * about a kilobyte per socket (the session cookie alone is a few hundred
 * bytes), kept for the life of every connection otherwise. Socket.IO's
 * memory guide suggests dropping `socket.conn.request`, but engine.io 6
 * also keeps each WebSocket's upgrade request reachable (its
 * WebSocketResponse listens for the TCP socket's close), so dropping the
 * reference frees nothing there; emptying the headers does, on both paths:
 * - the request that opened the connection (websocket, or the first
 *   long-polling request), which Tandem's handshake middlewares read
 *   (session cookie, X-Forwarded-For): emptied by `forgetHandshake(socket)`
 *   at "connection", when they are done; Socket.IO's copy in
 *   `socket.handshake.headers` goes too.
 * - a long-polling connection's upgrade to a WebSocket, which nothing in
 *   Tandem reads beyond engine.io's own checks (path, Origin in
 *   allowRequest, the WebSocket key, all before its response headers are
 *   written): emptied when engine.io announces those headers.
 * Install with `installForgetting(io)`; call `forgetHandshake` in the
 * "connection" listener, after every middleware.
 */
export function installForgetting(io: Pick<Server, "engine">): void {
  io.engine.on("headers", (_headers: unknown, req: IncomingMessage & { _query?: { sid?: string; transport?: string } }) => {
    if (req._query?.sid && req._query.transport === "websocket") forgetHeaders(req);
  });
}

export function forgetHandshake(socket: Pick<Socket, "conn" | "handshake">): void {
  forgetHeaders(socket.conn.request);
  socket.handshake.headers = {};
}
