/**
 * What an idle authenticated socket keeps alive, object by object: heap
 * snapshots (V8 collects garbage first) of Tandem and of the bare Socket.IO
 * server, idle and with N sockets connected, and the difference per socket
 * by kind of object (constructor, or closure / string / array...). This is
 * how bench/findings.md's "memory per socket" numbers were taken apart.
 *
 *   node --require ./src/server/server-only-shim.cjs --import tsx bench/socket-heap.ts [--sockets 1000] [--top 25] [--only tandem|bare] [--save dir]
 *
 * `--save dir` keeps the snapshots with sockets (<dir>/<tandem|bare>.heapsnapshot) for DevTools.
 * `--allocations` also samples what the server allocates while the sockets
 * connect (garbage included: what fills the heap until V8 collects), per
 * socket, by allocating function.
 *
 * BENCH_SERVER_SCRIPT runs another build of Tandem (before/after).
 */
import fs from "node:fs";
import path from "node:path";
import { connectSockets, extraAccounts } from "./lib/scenarios";
import { Fleet } from "./lib/fleet";
import { startBare, startTandem, type Target } from "./lib/targets";

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const sockets = Number(option("--sockets") ?? 1000);
const top = Number(option("--top") ?? 25);
const only = option("--only");
const save = option("--save");
const allocations = argv.includes("--allocations");

type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
};

/** Count and self size per (type, name): closures by their function name, objects by constructor. */
function tally(json: string): { byKind: Map<string, { count: number; size: number }>; total: number } {
  const s = JSON.parse(json) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const stride = fields.length;
  const [iType, iName, iSize] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [number, number, number];
  const byKind = new Map<string, { count: number; size: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += stride) {
    const type = types[s.nodes[i + iType]!]!;
    const size = s.nodes[i + iSize]!;
    total += size;
    // Strings and numbers by type only (their "name" is the value).
    const name = type === "string" || type === "concatenated string" || type === "sliced string" || type === "number" ? "" : s.strings[s.nodes[i + iName]!]!;
    const key = `${type} ${name.length > 60 ? `${name.slice(0, 57)}...` : name}`;
    const entry = byKind.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += size;
    byKind.set(key, entry);
  }
  return { byKind, total };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(target: Target) {
  await sleep(2_000);
  const idle = tally(await target.heapSnapshot());
  const fleet = Fleet.start(2);
  try {
    const connect = async () => {
      await connectSockets(fleet, target, 0, sockets);
    };
    if (allocations) {
      const sites = await target.sampleAllocations(connect);
      const total = sites.reduce((n, [, bytes]) => n + bytes, 0);
      console.log(`\n${target.label}: allocated while ${sockets} sockets connected: ${(total / sockets / 1024).toFixed(1)} KB per socket; top sites (KB per socket):`);
      for (const [site, bytes] of sites.slice(0, top)) console.log(`  ${(bytes / sockets / 1024).toFixed(2).padStart(8)}  ${site}`);
    } else await connect();
    await sleep(5_000);
    const snapshot = await target.heapSnapshot();
    if (save) fs.writeFileSync(path.join(save, `${target.kind}.heapsnapshot`), snapshot);
    const busy = tally(snapshot);
    const rows = [...busy.byKind].map(([kind, b]) => {
      const a = idle.byKind.get(kind) ?? { count: 0, size: 0 };
      return { kind, count: (b.count - a.count) / sockets, bytes: (b.size - a.size) / sockets };
    });
    rows.sort((x, y) => y.bytes - x.bytes);
    const closures = rows.filter((r) => r.kind.startsWith("closure ")).reduce((n, r) => n + r.count, 0);
    console.log(`\n${target.label}: ${sockets} sockets, live heap ${((busy.total - idle.total) / sockets / 1024).toFixed(2)} KB per socket, ${closures.toFixed(1)} closures per socket`);
    console.log("  bytes/socket  objects/socket  kind");
    for (const r of rows.slice(0, top)) console.log(`  ${r.bytes.toFixed(0).padStart(12)}  ${r.count.toFixed(2).padStart(14)}  ${r.kind}`);
    console.log("  closures per socket by name:");
    for (const r of rows.filter((r) => r.kind.startsWith("closure ") && r.count >= 0.5)) console.log(`  ${r.bytes.toFixed(0).padStart(12)}  ${r.count.toFixed(2).padStart(14)}  ${r.kind}`);
  } finally {
    await fleet.close();
  }
}

async function main() {
  if (only !== "bare") {
    const t = await startTandem({ db: "postgres", processes: 1, accounts: sockets + extraAccounts });
    try {
      await measure(t);
    } finally {
      await t.stop();
    }
  }
  if (only !== "tandem") {
    const b = await startBare({ processes: 1, payload: () => ({}) });
    try {
      await measure(b);
    } finally {
      await b.stop();
    }
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
