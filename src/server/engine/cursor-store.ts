import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import type { Coordinator } from "./cluster-connection";
import { type Cursor, streamHead } from "./stream";

export type CursorStore = {
  /** The stored cursor of `name`; the stream's head, stored at once, the first time it ever runs. */
  load(name: string): Promise<Cursor>;
  /** `name` handled everything up to `to`: stored within `everyMs` (with every other cursor noted meanwhile, in one statement). */
  note(name: string, to: Cursor): void;
  /** Store what was noted now (a processor stopping, before its lease is released). */
  flush(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Where the cluster processors' cursors are stored (`ProcessorCursor`), and
 * when.
 *
 * A cursor is stored a moment after a batch is handled (at most `everyMs`
 * later), not after each batch: one statement a second for all processors
 * together instead of one per processor and commit, which was most of what a
 * quiet processor (mail with nothing to send, or off) cost per comment.
 *
 * Why a lagging cursor keeps the guarantees (issue 8 §1): it never runs
 * ahead of what was handled (it is noted only after `handle` returned), so
 * nothing is skipped; a processor that dies, or loses its lease, before its
 * cursor is stored hands the last second's batches over again to whoever
 * runs it next, which is the at-least-once delivery processors already
 * have to take (a failed batch is retried the same way), and their effects
 * are idempotent: rows keyed on the event (Notification's user + ticket +
 * seq, OutboundMail's user + ticket + seq + kind; neither table's rows are
 * ever deleted while their ticket exists) make a batch handed over again
 * insert, announce and mail nothing twice. A clean stop stores it at once,
 * so a deploy hands over nothing twice. Storing is monotonic (a cursor
 * never moves back), and only while this process holds the processor's
 * lease: after losing it, the new holder's stored cursor is the truth.
 */
export function cursorStore(deps: { prisma: PrismaClient; coordinator: Coordinator; everyMs: number; log(msg: string, e?: unknown): void }): CursorStore {
  const { prisma, coordinator } = deps;
  const noted = new Map<string, Cursor>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  async function store(cursors: [string, Cursor][]) {
    if (cursors.length === 0) return;
    await prisma.$executeRaw`
      INSERT INTO "ProcessorCursor" ("name", "txId", "position", "updatedAt")
      SELECT c.name, c."txId", c.position, now()
      FROM unnest(${cursors.map(([n]) => n)}::text[], ${cursors.map(([, c]) => c.txId.toString())}::text[]::bigint[],
                  ${cursors.map(([, c]) => c.position.toString())}::text[]::bigint[]) AS c(name, "txId", position)
      ON CONFLICT ("name") DO UPDATE SET "txId" = EXCLUDED."txId", "position" = EXCLUDED."position", "updatedAt" = now()
      WHERE ("ProcessorCursor"."txId", "ProcessorCursor"."position") < (EXCLUDED."txId", EXCLUDED."position")`;
  }

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    // One at a time, so stores land in the order they were taken.
    flushing = flushing.catch(() => undefined).then(async () => {
      const due = [...noted].filter(([name]) => coordinator.held(name));
      noted.clear();
      try {
        await store(due);
      } catch (e) {
        // Not stored: noted again unless something newer was, and retried later.
        for (const [name, c] of due) if (!noted.has(name) && coordinator.held(name)) noted.set(name, c);
        schedule();
        throw e;
      }
    });
    return flushing;
  }

  function schedule() {
    timer ??= setTimeout(() => flush().catch((e: unknown) => deps.log("storing the processors' cursors failed; retrying", e)), deps.everyMs);
  }

  return {
    async load(name) {
      const stored = await prisma.processorCursor.findUnique({ where: { name } });
      if (stored) return { txId: stored.txId, position: stored.position };
      const head = await streamHead(prisma);
      await store([[name, head]]);
      return head;
    },
    note(name, to) {
      noted.set(name, to);
      schedule();
    },
    flush,
    async close() {
      await flush().catch((e: unknown) => deps.log("storing the processors' cursors failed", e));
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
