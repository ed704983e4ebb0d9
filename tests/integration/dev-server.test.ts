/**
 * `npm run dev` mode: Next's hot-reload WebSocket and Socket.IO share the one
 * port. Next closes upgrades it does not own (vercel/next.js#50461) and
 * engine.io destroys upgrades it does not own after ~1 s; both must be routed
 * by path instead.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { api, connectSocket, signIn, startServer, type TestServer } from "../helpers/server";
import { createTicket, join } from "./support";

let server: TestServer;

before(async () => {
  server = await startServer({ dev: true });
});

after(async () => {
  assert.equal(await server?.stop(), 0, "graceful shutdown exits 0");
});

test("pages compile and render in development", { timeout: 120_000 }, async () => {
  const res = await fetch(`${server.url}/login`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /Sign in/);
});

test("the HMR socket and a Socket.IO WebSocket stay open side by side", { timeout: 120_000 }, async () => {
  const cookie = await signIn(server.url, "alice@example.com");
  const socket = await connectSocket(server.url, cookie, { transports: ["websocket"] });
  const hmr = new WebSocket(`${server.url.replace("http", "ws")}/_next/hmr`, { headers: { origin: server.url } });
  const firstMessage = new Promise<string>((resolve, reject) => {
    hmr.once("message", (data) => resolve(String(data)));
    hmr.once("error", reject);
    hmr.once("close", (code) => reject(new Error(`HMR socket closed (${code}) before any message`)));
  });
  try {
    assert.ok((await firstMessage).length > 0, "Next's HMR server sent its first message");

    // Past engine.io's destroyUpgradeTimeout (1 s) both must still be open and working.
    const ticket = await createTicket(server.url, cookie, { title: "Dev mode ticket" });
    const ack = await join(socket, { ticketId: ticket.id });
    assert.equal(ack.ok, true);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(hmr.readyState, WebSocket.OPEN, "HMR socket still open");
    assert.equal(socket.connected, true, "Socket.IO still connected");
    assert.equal(socket.io.engine.transport.name, "websocket");
    const got = new Promise((resolve) => socket.once("comment:added", resolve));
    const res = await api(server.url, cookie, "POST", `/api/tickets/${ticket.id}/comments`, { body: "live in dev" });
    assert.equal(res.status, 201);
    await got;
  } finally {
    hmr.close();
    socket.close();
  }
});
