import assert from "node:assert/strict";
import http, { type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";
import { forgetHandshake, installForgetting } from "./forget-requests";

/**
 * A real Socket.IO server with a middleware that reads the cookie (as the
 * handshake does), wired like createRealtimeServer; answers the cookies the
 * middleware saw, every upgrade request, and the sockets' handshake requests.
 */
async function serve(fn: (url: string, seen: { cookies: string[]; upgrades: IncomingMessage[]; handshakes: IncomingMessage[] }) => Promise<void>) {
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  const seen = { cookies: [] as string[], upgrades: [] as IncomingMessage[], handshakes: [] as IncomingMessage[] };
  httpServer.prependListener("upgrade", (req: IncomingMessage) => seen.upgrades.push(req));
  io.use((socket, next) => {
    seen.cookies.push(String(socket.request.headers.cookie));
    seen.handshakes.push(socket.request);
    next();
  });
  installForgetting(io);
  io.on("connection", (socket) => {
    forgetHandshake(socket);
    socket.on("echo", (payload: unknown, ack: (r: unknown) => void) => ack(payload));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  try {
    await fn(`http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, seen);
  } finally {
    await new Promise<void>((resolve) => io.close(() => resolve()));
  }
}

const cookie = "next-auth.session-token=" + "x".repeat(500);

for (const transports of [["websocket"], ["polling", "websocket"]] as const) {
  test(`the middleware reads the cookie; afterwards no request the connection keeps holds headers (${transports.join(" then ")})`, async () => {
    await serve(async (url, seen) => {
      const client = connect(url, { transports: [...transports], extraHeaders: { cookie }, forceNew: true, reconnection: false });
      try {
        await new Promise<void>((resolve, reject) => {
          client.once("connect", () => resolve());
          client.once("connect_error", reject);
        });
        if (transports.length === 2 && client.io.engine.transport.name !== "websocket") {
          await new Promise<void>((resolve) => client.io.engine.once("upgrade", () => resolve()));
        }
        // Still works over the (upgraded) WebSocket.
        assert.deepEqual(await client.timeout(5_000).emitWithAck("echo", { n: 1 }), { n: 1 });
        assert.deepEqual(seen.cookies, [cookie]);
        assert.equal(seen.upgrades.length, 1);
        for (const req of [...seen.handshakes, ...seen.upgrades]) {
          assert.deepEqual(req.headers, {});
          assert.deepEqual(req.rawHeaders, []);
        }
      } finally {
        client.close();
      }
    });
  });
}
