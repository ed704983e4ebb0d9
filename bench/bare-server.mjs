/**
 * The baseline of `npm run bench`: a bare Socket.IO server with the same
 * package versions (this repo's node_modules) and the same server options as
 * Tandem's (src/server/realtime/create-realtime-server.ts; the harness passes
 * the timeouts in BARE_PING_INTERVAL / BARE_PING_TIMEOUT from
 * src/server/timeouts.ts), and nothing else: no sign-in, no database, no
 * Next.js. `POST /emit {room, event, payload}` emits the payload to the room
 * and answers 201, as Tandem's comment route does after its commit; sockets
 * join a room with `bench:join {room}`. With REDIS_URL, the Redis adapter
 * over ioredis, like Tandem. Plain JavaScript run by plain `node`, so nothing
 * but Socket.IO itself is measured. Prints "ready on http://localhost:<port>".
 */
import http from "node:http";
import { Server } from "socket.io";

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? "127.0.0.1";

const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/emit") {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let msg;
      try {
        msg = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        res.writeHead(400).end();
        return;
      }
      io.to(msg.room).emit(msg.event, msg.payload);
      res.writeHead(201, { "content-type": "application/json" }).end('{"ok":true}');
    });
    return;
  }
  if (req.method === "GET" && req.url === "/memory") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(process.memoryUsage()));
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 65_000;

const io = new Server(server, {
  path: "/socket.io/",
  serveClient: false,
  destroyUpgrade: false,
  maxHttpBufferSize: 16 * 1024,
  pingInterval: Number(process.env.BARE_PING_INTERVAL ?? 25_000),
  pingTimeout: Number(process.env.BARE_PING_TIMEOUT ?? 20_000),
  allowRequest: (_req, callback) => callback(null, true),
});

if (process.env.REDIS_URL) {
  const [{ createAdapter }, { Redis }] = await Promise.all([import("@socket.io/redis-adapter"), import("ioredis")]);
  const pub = new Redis(process.env.REDIS_URL);
  const sub = new Redis(process.env.REDIS_URL);
  io.adapter(createAdapter(pub, sub));
}

io.on("connection", (socket) => {
  socket.on("bench:join", (payload, ack) => {
    if (typeof ack !== "function" || typeof payload?.room !== "string") return;
    socket.join(payload.room);
    ack({ ok: true });
  });
});

server.listen(port, host, () => {
  const address = server.address();
  console.log(`ready on http://localhost:${typeof address === "object" && address ? address.port : port}`);
});
process.on("SIGTERM", () => {
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
