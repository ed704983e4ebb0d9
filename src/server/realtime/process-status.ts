import "server-only";
import os from "node:os";
import type { PrismaClient } from "../../generated/prisma/client";

/** How often each process reports, and after how long without a report it shows as not reporting. */
export const STATUS_INTERVAL_MS = 5_000;
export const STATUS_STALE_MS = 15_000;
/** Rows of processes gone this long are deleted. */
const KEEP_MS = 60 * 60 * 1000;
/** How often a process looks for such rows: they are an hour old, so every few minutes is soon enough (not at every beat). */
const SWEEP_EVERY_BEATS = 60;

export type ProcessReport = { sockets: number; redis: "ok" | "down" | "disabled"; relayLagMs: number | null };

/**
 * Report this process's state to the database every STATUS_INTERVAL_MS, so
 * the admin realtime page of any process can list every process (shared
 * storage works with or without Redis, and a process that died shows as
 * "not reporting" instead of vanishing). Failures are ignored: the next beat
 * tries again. Returns a function that stops and removes this process's row.
 */
export function reportProcessStatus(prisma: PrismaClient, read: () => Promise<ProcessReport>): () => Promise<void> {
  const startedAt = new Date(Date.now() - Math.round(process.uptime() * 1000));
  const id = `${os.hostname()}:${process.pid}:${startedAt.getTime()}`;
  let beats = 0;
  const beat = async () => {
    const r = await read();
    const now = new Date();
    const data = { sockets: r.sockets, redis: r.redis, relayLagMs: r.relayLagMs, seenAt: now };
    await prisma.processStatus.upsert({ where: { id }, create: { id, pid: process.pid, host: os.hostname(), startedAt, ...data }, update: data });
    // At the first beat, then every few minutes: at every beat it was half of an idle process's writes.
    if (beats++ % SWEEP_EVERY_BEATS === 0) await prisma.processStatus.deleteMany({ where: { seenAt: { lt: new Date(now.getTime() - KEEP_MS) } } });
  };
  void beat().catch(() => undefined);
  const timer = setInterval(() => void beat().catch(() => undefined), STATUS_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await prisma.processStatus.delete({ where: { id } }).catch(() => undefined);
  };
}
