/**
 * PGlite's Node filesystem, made to keep PostgreSQL's promise that a commit
 * is on disk when it is acknowledged.
 *
 * PGlite runs PostgreSQL in WebAssembly over Emscripten's NODEFS, whose
 * stream_ops have no `fsync` and whose `fdatasync` syscall returns 0 without
 * doing anything (read in @electric-sql/pglite 0.3.16's dist/index.js). So
 * every fsync PostgreSQL issues (the WAL at commit, data files at checkpoint)
 * is a no-op: measured with strace, a server that created 20 comments made no
 * fsync or fdatasync system call in its whole life. A commit then sits in the
 * kernel's page cache, safe from a crash of Tandem (kill -9) but not from a
 * power cut or kernel crash until the kernel writes it back (about 30 s with
 * Linux defaults).
 *
 * PGlite calls `syncToFs` after every query, before it returns the result
 * (unless `relaxedDurability` is set, which Tandem does not): so syncing here
 * puts a commit on disk before Prisma, and then the client, sees it succeed.
 * This syncs exactly the files written since the last sync (recorded by
 * wrapping NODEFS's write): after a commit, the WAL; after a checkpoint, the
 * data files too, so a checkpoint that lets PostgreSQL recycle WAL cannot
 * leave the data it covered only in the page cache. The WAL segments being
 * written stay open between syncs: opening and closing a file around each
 * `fdatasync` cost about three times the `fdatasync` itself in CPU (profiled:
 * about 1 ms per comment, at four commits per comment). Deliberately free of
 * `server-only`: prisma.config.ts (the migration CLI) opens PGlite too.
 */
import fs from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { NodeFS } from "@electric-sql/pglite/nodefs";

type PostgresMod = Parameters<NodeFS["init"]>[1];
type EmscriptenNodeFS = {
  realPath(node: unknown): string;
  stream_ops: { write: (this: unknown, stream: { node: unknown }, ...rest: unknown[]) => number };
};

/**
 * What was synced. `writes` counts PostgreSQL's writes to files; `durableWrites`
 * is how many of the first of them a finished sync has put on disk.
 */
export type SyncCounters = { syncs: number; filesSynced: number; dirsSynced: number; walOpens: number; lastFiles: string[]; writes: number; durableWrites: number };

/** NodeFS whose syncToFs really fsyncs what PostgreSQL wrote. */
export class DurableNodeFS extends NodeFS {
  /** Real paths written since the last sync: exact, from NODEFS's own write. */
  private readonly dirty = new Set<string>();
  private readonly known = new Set<string>();
  /**
   * Open handles of the last WAL segments synced, most recent last. A
   * segment's name is never reused (PostgreSQL numbers them upwards and
   * recycles an old one by renaming it to a future name), so a path found here
   * is still the file the handle has open; a handle whose file was recycled
   * or removed only ages out.
   */
  private readonly walHandles = new Map<string, fs.promises.FileHandle>();
  private readonly walDir: string;
  /** What was synced, for tests and the README's measurements. */
  readonly counters: SyncCounters = { syncs: 0, filesSynced: 0, dirsSynced: 0, walOpens: 0, lastFiles: [], writes: 0, durableWrites: 0 };

  constructor(dataDir: string) {
    super(dataDir);
    this.walDir = path.join(path.resolve(dataDir), "pg_wal") + path.sep;
  }

  override async init(pg: PGlite, opts: PostgresMod) {
    const result = await super.init(pg, opts);
    const dirty = this.dirty;
    const counters = this.counters;
    const previous = result.emscriptenOpts.preRun ?? [];
    result.emscriptenOpts.preRun = [
      ...(Array.isArray(previous) ? previous : [previous]),
      // After NodeFS's own preRun mounted NODEFS. Every NODEFS file node
      // shares this stream_ops object, so this sees every write PostgreSQL makes.
      (mod: { FS: { filesystems: { NODEFS: EmscriptenNodeFS } } }) => {
        const nodefs = mod.FS.filesystems.NODEFS;
        const write = nodefs.stream_ops.write;
        nodefs.stream_ops.write = function (stream, ...rest) {
          dirty.add(nodefs.realPath(stream.node));
          counters.writes++;
          return write.call(this, stream, ...rest);
        };
      },
    ] as typeof previous;
    return result;
  }

  /** The sync running now, and the one queued behind it for everyone who asked while it ran. */
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  /**
   * Resolves once everything written before this call is on disk. A sync
   * takes the files written so far as it starts, so one already running may
   * have started before the caller's write: the caller then waits for the
   * next sync, which starts as soon as the running one ends and is shared by
   * everyone who asked meanwhile. Before this, a caller that found nothing
   * left to take (another sync had just taken its files) returned at once,
   * while that sync was still running.
   */
  durable(): Promise<void> {
    if (this.running) {
      this.queued ??= this.running.then(noop, noop).then(() => {
        this.queued = null;
        return this.durable();
      });
      return this.queued;
    }
    if (this.dirty.size === 0) return Promise.resolve();
    // One sync at a time: the next starts only once this one has settled.
    this.running = this.syncDirty().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** PGlite calls this after each query of its own, inside its query lock. */
  override async syncToFs(): Promise<void> {
    await this.durable();
  }

  /** fdatasync every file written since the last sync; takes them synchronously, at the call. */
  private async syncDirty(): Promise<void> {
    const upTo = this.counters.writes;
    const files = [...this.dirty];
    this.dirty.clear();
    this.counters.lastFiles = files;
    const dirs = new Set<string>();
    for (const file of files) {
      if (await (isWalSegment(file, this.walDir) ? this.syncWal(file) : syncPath(file, true))) this.counters.filesSynced++;
      // A file this process has not synced before may be new (a fresh WAL
      // segment, a new relation): its directory entry must reach the disk too.
      if (!this.known.has(file)) {
        this.known.add(file);
        dirs.add(path.dirname(file));
      }
    }
    for (const dir of dirs) if (await syncPath(dir, false)) this.counters.dirsSynced++;
    this.counters.syncs++;
    this.counters.durableWrites = Math.max(this.counters.durableWrites, upTo);
  }

  /** fdatasync a WAL segment through a handle kept open for the next commits. */
  private async syncWal(file: string): Promise<boolean> {
    let handle = this.walHandles.get(file);
    if (!handle) {
      try {
        handle = await fs.promises.open(file, "r");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw e;
      }
      this.walHandles.set(file, handle);
      this.counters.walOpens++;
      // The segment being filled and the one before it are enough.
      for (const [old, h] of this.walHandles) {
        if (this.walHandles.size <= 2) break;
        this.walHandles.delete(old);
        await h.close();
      }
    }
    await handle.datasync();
    return true;
  }

  override async closeFs(): Promise<void> {
    const handles = [...this.walHandles.values()];
    this.walHandles.clear();
    await Promise.all(handles.map((h) => h.close()));
    await super.closeFs();
  }
}

/** A WAL segment file (24 hex digits in pg_wal), not a .history, .partial or archive_status file. */
function isWalSegment(file: string, walDir: string): boolean {
  return file.startsWith(walDir) && /^[0-9A-F]{24}$/.test(file.slice(walDir.length));
}

async function syncPath(p: string, data: boolean): Promise<boolean> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(p, "r");
    await (data ? handle.datasync() : handle.sync());
    return true;
  } catch (e) {
    // A WAL segment recycled or a relation dropped since it was written is fine.
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  } finally {
    await handle?.close();
  }
}

/**
 * Make `client.transaction()` sync before it resolves. PGlite syncs after each
 * query except inside a transaction, and its transaction() runs COMMIT while
 * still flagged as inside one (dist/chunk-*.js: `inTransaction || syncToFs()`),
 * so a committed transaction would reach the disk only with the next query.
 * Prisma's interactive transactions (every write Tandem makes) go through
 * transaction() (pglite-prisma-adapter's startTransaction), and Prisma's
 * commit awaits it: syncing here comes before the use case returns.
 */
export function syncAfterTransactions(client: PGlite): PGlite {
  const transaction = client.transaction.bind(client);
  const sync = durableSync(client);
  client.transaction = async (callback) => {
    try {
      return await transaction(callback);
    } finally {
      await sync();
    }
  };
  return client;
}

/**
 * How to wait, outside PGlite's query lock, until everything written so far
 * is on disk: the DurableNodeFS's `durable()`. Not PGlite's own `syncToFs()`:
 * it returns at once, without waiting, to a caller that finds a sync
 * scheduled and not yet started (`if (fsSyncScheduled) return` in
 * dist/index.js), which only its own callers, one at a time inside the query
 * lock, can rely on. This runs outside that lock, after a transaction and
 * after each of pgliteSql's statements (a group commit: src/server/db/sql.ts);
 * through PGlite's call, a commit whose sync met another query's scheduled
 * one could be acknowledged a millisecond or two before it was on disk
 * (bench/findings.md, twentieth round). Any other filesystem (the tests'
 * in-memory one) has nothing more to wait for than PGlite's own call.
 */
export function durableSync(client: PGlite): () => Promise<void> {
  const fs = (client as { fs?: unknown }).fs;
  return fs instanceof DurableNodeFS ? () => fs.durable() : () => client.syncToFs();
}

function noop(): void {}
