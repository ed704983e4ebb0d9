/**
 * A full garbage collection in another process, from outside: the servers
 * start with `--inspect-port=127.0.0.1:<port>` (which opens nothing by
 * itself), and only when the harness wants a post-collection reading does it
 * send SIGUSR1 (Node then opens its inspector on that port, on loopback) and
 * ask over the DevTools protocol for `HeapProfiler.collectGarbage`, then for
 * the heap in use. So neither server needs a GC hook of its own, and both are
 * measured the same way. The inspector stays open until the process ends
 * (a few KB, the same for both servers).
 */
import net from "node:net";
import { WebSocket } from "ws";

/** A TCP port free on loopback right now (for `--inspect-port`). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function debuggerUrl(port: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/list`);
      const targets = (await res.json()) as { webSocketDebuggerUrl?: string }[];
      const url = targets[0]?.webSocketDebuggerUrl;
      if (url) return url;
    } catch {
      // Not open yet.
    }
    await sleep(100);
  }
  throw new Error(`no inspector on port ${port} after SIGUSR1`);
}

type Inspector = { call(method: string, params?: object): Promise<unknown>; on(method: string, fn: (params: unknown) => void): void; close(): void };

/** Open process `pid`'s inspector (started with `--inspect-port=127.0.0.1:<port>`) and talk DevTools protocol to it. */
async function inspect(pid: number, port: number): Promise<Inspector> {
  process.kill(pid, "SIGUSR1");
  const ws = new WebSocket(await debuggerUrl(port), { maxPayload: 2 ** 30 });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  const handlers = new Map<string, (params: unknown) => void>();
  ws.on("message", (data: Buffer) => {
    const msg = JSON.parse(data.toString("utf8")) as { id?: number; result?: unknown; method?: string; params?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
    else if (msg.method) handlers.get(msg.method)?.(msg.params);
  });
  return {
    call: (method, params) =>
      new Promise<unknown>((resolve) => {
        const id = ++nextId;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    on: (method, fn) => void handlers.set(method, fn),
    close: () => ws.close(),
  };
}

/**
 * Collect garbage in process `pid` (started with `--inspect-port=127.0.0.1:<port>`)
 * twice (the second pass frees what the first one's finalizers let go), wait
 * `settleMs` for the freed pages to go back to the system, and answer the V8
 * heap in use afterwards, in bytes.
 */
export async function collectGarbage(pid: number, port: number, settleMs = 1_000): Promise<number> {
  const inspector = await inspect(pid, port);
  try {
    await inspector.call("HeapProfiler.collectGarbage");
    await inspector.call("HeapProfiler.collectGarbage");
    await sleep(settleMs);
    const usage = (await inspector.call("Runtime.getHeapUsage")) as { usedSize: number };
    return usage.usedSize;
  } finally {
    inspector.close();
  }
}

/** A heap snapshot of process `pid` (V8 collects garbage first), as the JSON text DevTools would save. */
export async function heapSnapshot(pid: number, port: number): Promise<string> {
  const inspector = await inspect(pid, port);
  const chunks: string[] = [];
  inspector.on("HeapProfiler.addHeapSnapshotChunk", (p) => chunks.push((p as { chunk: string }).chunk));
  try {
    await inspector.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    return chunks.join("");
  } finally {
    inspector.close();
  }
}

type SamplingNode = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: SamplingNode[] };

/**
 * Bytes allocated in process `pid` while `during()` runs, by the function
 * that allocated them (V8's sampling heap profiler, counting objects that
 * died since as well), as [function at file:line, bytes] sorted by bytes.
 */
export async function sampleAllocations(pid: number, port: number, during: () => Promise<void>): Promise<[string, number][]> {
  const inspector = await inspect(pid, port);
  try {
    await inspector.call("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await during();
    const { profile } = (await inspector.call("HeapProfiler.stopSampling")) as { profile: { head: SamplingNode } };
    const bySite = new Map<string, number>();
    const walk = (node: SamplingNode) => {
      const { functionName, url, lineNumber } = node.callFrame;
      const file = url.replace(/^.*\/node_modules\//, "").replace(/^file:\/\/.*\/(dist|src)\//, "$1/");
      const site = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
      if (node.selfSize) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      node.children.forEach(walk);
    };
    walk(profile.head);
    return [...bySite].sort((a, b) => b[1] - a[1]);
  } finally {
    inspector.close();
  }
}
