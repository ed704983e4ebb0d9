import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import type { Coordinator } from "./cluster-connection";
import type { CursorStore } from "./cursor-store";
import { DEFAULT_BATCH_SIZE, GATHER_MS, type Processor } from "./processor";
import type { StreamRead } from "./shared-reader";
import { compareCursors, type Cursor, STREAM_START, streamHead } from "./stream";

export type RunnerDeps = {
  prisma: PrismaClient;
  coordinator: Coordinator;
  /** The stream's events after a cursor (shared between the process's runners: ./shared-reader.ts). */
  read(after: Cursor): Promise<StreamRead>;
  /** Where cluster processors' cursors are stored (./cursor-store.ts). */
  cursors: CursorStore;
  /** Longest wait between looks at the stream when nothing woke the runner. */
  pollMs: number;
  log(msg: string, e?: unknown): void;
};

export type ProcessorRunner = {
  name: string;
  /**
   * Look at the stream now (something committed), or after the processor's
   * gathering window. Not `urgent` (what committed was delivered already): a
   * processor that reads at once waits GATHER_MS like the others instead.
   */
  wake(urgent?: boolean): void;
  /** Where this runner is; null before it started or while another process holds its lease. */
  cursor(): Cursor | null;
  /** Resolves once the runner has stopped (after the batch in hand, if any). */
  stop(): Promise<void>;
};

// While a committed event waits behind a transaction still running elsewhere
// (readStreamBatch's `pending`), look again soon, then fall back to polling.
// Without one, nothing new can become readable before the next commit, whose
// wake-up (in-process, or NOTIFY) ends the wait: re-reading on a timer then
// only costs queries (it was several per event and processor).
const QUICK_RETRIES_MS = [20, 50, 100, 200, 400];
const MAX_BACKOFF_MS = 30_000;

/** What step() returns for "nothing to do: look again at the next poll". */
const POLL = Symbol("poll");

/** Where in each poll interval this process's beat falls (0..1), drawn once per process. */
const BEAT_PHASE = Math.random();

/** The process's poll beats: one timer per poll interval, shared by every runner waiting for it. */
const beats = new Map<number, { at: number; beat: Promise<void>; fired: boolean }>();

/**
 * The process's next poll beat (every `pollMs` on the clock), as one
 * promise for every runner of the process that waits for it. Each runner
 * sleeping its own pollMs from wherever it finished, they drifted apart and
 * each read the stream on its own poll: an idle process sent four reads a
 * second, one per processor. Resolved by one timer, their looks start in the
 * same turn, at the same cursor (they follow the head), and the shared
 * reader (./shared-reader.ts) sends one read for all of them. Never more
 * than pollMs away, so a missed wake-up still costs at most pollMs.
 * Unref'd: a stopped runner no longer waits for it, and a waiting one is
 * never all that keeps a process alive (the server's sockets do).
 */
function nextBeat(pollMs: number): Promise<void> {
  const now = Date.now();
  // Each process on a beat of its own phase: the processes of a cluster do
  // not all read from PostgreSQL in the same millisecond.
  const phase = Math.floor(BEAT_PHASE * pollMs);
  let at = now - ((((now - phase) % pollMs) + pollMs) % pollMs) + pollMs;
  const current = beats.get(pollMs);
  if (current?.at === at) {
    if (!current.fired) return current.beat;
    // Its timer ran a moment before the clock reached the beat (timers count
    // from libuv's loop time, which lags the clock): the next beat, or every
    // look until then would be another.
    at += pollMs;
  }
  const entry = { at, beat: Promise.resolve(), fired: false };
  entry.beat = new Promise<void>((resolve) =>
    setTimeout(() => {
      entry.fired = true;
      resolve();
    }, at - now).unref(),
  );
  beats.set(pollMs, entry);
  return entry.beat;
}

/**
 * Run one processor: read a batch after its cursor, hand it over, move the
 * cursor, repeat; sleep until woken (a commit here, a NOTIFY from another
 * process) or the process's next poll beat, at most `pollMs` away (a
 * cluster processor waiting for its lease sleeps through wake-ups). A
 * wake-up while busy is never lost: the next sleep returns at once. A
 * processor with a `gatherMs` acts on a wake-up that much later, and the
 * wake-ups in between join it: one read and one batch for all of them.
 *
 * A cluster processor first takes its lease and loads its stored cursor
 * (starting at the stream's head the first time it ever runs: history is
 * not replayed into new side effects); it has the cursor stored after each
 * batch (a moment later, see ./cursor-store.ts), and only while it still
 * holds the lease. A failing batch is retried with backoff, so delivery is
 * at least once and in order.
 */
export async function runProcessor(processor: Processor, deps: RunnerDeps): Promise<ProcessorRunner> {
  const { prisma, coordinator, cursors, pollMs, log } = deps;
  const batchSize = processor.batchSize ?? DEFAULT_BATCH_SIZE;
  const cluster = processor.scope === "cluster";
  // A process processor starts at the head as the process starts (before it
  // accepts sockets): whatever commits from here on is its to deliver.
  let cursor: Cursor | null = cluster ? null : await streamHead(prisma);
  let stopped = false;
  let woken = false;
  let interrupt: (() => void) | undefined;
  let quick = QUICK_RETRIES_MS.length;
  let failures = 0;
  const gatherMs = processor.gatherMs ?? 0;
  let gathering: NodeJS.Timeout | undefined;

  /**
   * Wait `ms`, or until the process's next poll beat (POLL); a wake-up ends
   * the wait early unless backing off after a failure (only stop() does then).
   */
  function sleep(ms: number | typeof POLL, backingOff = false): Promise<void> {
    if (stopped || (woken && !backingOff)) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let over = false;
      const timer = ms === POLL ? undefined : setTimeout(done, ms);
      if (ms === POLL) void nextBeat(pollMs).then(done);
      function done() {
        if (over) return;
        over = true;
        clearTimeout(timer);
        interrupt = undefined;
        if (!backingOff) woken = false;
        resolve();
      }
      interrupt = () => {
        if (!backingOff || stopped) done();
      };
    });
  }

  async function step(): Promise<number | typeof POLL> {
    if (cluster && !coordinator.held(processor.name)) {
      cursor = null;
      if (!(await coordinator.acquire(processor.name))) return POLL;
      cursor = await cursors.load(processor.name);
    }
    cursor ??= await cursors.load(processor.name);
    const read = await deps.read(cursor);
    const { pending } = read;
    const batch = read.events.length > batchSize ? read.events.slice(0, batchSize) : read.events;
    if (batch.length === 0) return pending && quick < QUICK_RETRIES_MS.length ? QUICK_RETRIES_MS[quick++]! : POLL;
    await processor.handle(batch);
    const last = batch[batch.length - 1]!.cursor;
    if (cluster) {
      // Lost the lease meanwhile: the new holder carries on from the stored cursor.
      if (!coordinator.held(processor.name)) return 0;
      cursors.note(processor.name, last);
    }
    if (compareCursors(last, cursor ?? STREAM_START) > 0) cursor = last;
    // More may be waiting right behind this batch: read on at once.
    if (batch.length < read.events.length || read.full) return 0;
    if (pending) return QUICK_RETRIES_MS[0]!;
    return POLL;
  }

  const done = (async () => {
    while (!stopped) {
      try {
        const wait = await step();
        failures = 0;
        if (wait === POLL || wait > 0) await sleep(wait);
      } catch (e) {
        failures++;
        const wait = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 7));
        log(`processor ${processor.name} failed (attempt ${failures}); retrying in ${wait} ms`, e);
        await sleep(wait, true);
      }
    }
  })();

  function wakeNow(): void {
    gathering = undefined;
    quick = 0;
    woken = true;
    interrupt?.();
  }

  return {
    name: processor.name,
    wake(urgent = true) {
      // A cluster processor whose lease another process holds has nothing to
      // read: it only tries for the lease, on its poll (ENGINE_POLL_MS, 1 s by
      // default), which bounds a failover. Woken too, it ran one
      // pg_try_advisory_lock per processor for every event the other process
      // committed: on a second process taking no requests, a fifth of its busy
      // time during 300 comments posted to the first (CPU profiles, before and after).
      if (cluster && !coordinator.held(processor.name)) return;
      // Gathering: the first wake-up of a window arms it, the rest join it.
      // An urgent one for a processor that reads at once ends the window.
      const ms = gatherMs > 0 ? gatherMs : urgent ? 0 : GATHER_MS;
      if (ms > 0) gathering ??= setTimeout(wakeNow, ms);
      else {
        clearTimeout(gathering);
        wakeNow();
      }
    },
    cursor: () => cursor,
    async stop() {
      stopped = true;
      clearTimeout(gathering);
      interrupt?.();
      await done;
    },
  };
}
