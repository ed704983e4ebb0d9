import "server-only";
import { statement, type Sql } from "../db/sql";
import { EVENTS_CHANNEL } from "../events/channel";

/**
 * A NOTIFY in a statement of its own, which writes nothing. Its transaction
 * then commits without waiting for a WAL flush (PostgreSQL flushes at commit
 * only for a transaction that wrote WAL before its commit record), so the
 * cluster-wide lock PostgreSQL takes to queue notifications in commit order
 * (`PreCommit_Notify`) is held for microseconds.
 */
const NOTIFY = statement("engine_notify", `SELECT pg_notify($1, $2)::text AS "sent"`);

export type CommitNotifier = {
  /** Something committed in this process: the other processes are told soon after (coalesced). */
  notify(): void;
  /** Resolves once no notification is pending or in flight (before the connections close). */
  drain(): Promise<void>;
};

/**
 * Tells the other processes' processors that events committed here, after
 * the commit, from a statement of its own.
 *
 * Why not in the statement that records the event, as until 2026-12-06: a
 * transaction that notifies commits under that cluster-wide lock, held
 * across its WAL flush, so every event of the cluster committed one flush at
 * a time, whatever the number of processes (measured: 137 replies a second
 * across 100 tickets on a disk that takes 5 ms to flush, bench/findings.md,
 * eleventh round). Writes that do not notify share flushes (group commit).
 *
 * Coalesced: one NOTIFY in flight per process, and one more after it for
 * whatever committed meanwhile, so a burst of commits costs two statements.
 * Each one carries `token`, so that this process ignores its own (it woke
 * its processors directly). A notification that is never sent (the process
 * dies between a commit and its NOTIFY, or the database refuses it) delays
 * the other processes by at most their poll (`ENGINE_POLL_MS`): the event is
 * in the stream either way.
 *
 * Nothing is sent while no other process listens (one process, the common
 * deployment: a statement per commit for nobody). The listeners are counted
 * by the shared advisory lock each one's LISTEN connection holds
 * (./cluster-connection.ts): at start, every 10 s, and at once when a new
 * one says hello, to which this process answers with a NOTIFY, so whatever
 * it committed unannounced just before reaches the newcomer now.
 */
export function commitNotifier(deps: {
  sql: Sql;
  token: string;
  /** Whether any other process would hear it (./cluster-connection.ts); alone, nothing is sent. */
  othersListening(): boolean;
  log(msg: string, e?: unknown): void;
}): CommitNotifier {
  let inFlight: Promise<void> | undefined;
  let again = false;
  let failing = false;

  function send(): Promise<void> {
    again = false;
    return deps.sql.query(NOTIFY, [EVENTS_CHANNEL, deps.token]).then(
      () => {
        failing = false;
      },
      (e: unknown) => {
        // Logged once per outage, not per commit.
        if (!failing) deps.log("notifying the other processes failed; they find the events at their next poll", e);
        failing = true;
      },
    );
  }

  function run(): void {
    inFlight = send().then(() => {
      if (again) run();
      else inFlight = undefined;
    });
  }

  return {
    notify() {
      if (!deps.othersListening()) return;
      if (inFlight) again = true;
      else run();
    },
    async drain() {
      while (inFlight) await inFlight;
    },
  };
}
