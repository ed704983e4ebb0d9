/**
 * The project's migrations (prisma/migrations), in the order Prisma applies
 * them, for tests that build a database by hand: the in-memory PGlite dump
 * (./memory-db.ts), an upgrade applied over data written before it, and a
 * throwaway PostgreSQL without the seeded template.
 */
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import type { PrismaClient } from "../../src/generated/prisma/client";

const MIGRATIONS = path.resolve(__dirname, "../../prisma/migrations");

export type Migration = { name: string; sql: string };

/** Every migration, oldest first. */
export function migrations(): Migration[] {
  return fs
    .readdirSync(MIGRATIONS)
    .filter((d) => /^\d+_/.test(d))
    .sort()
    .map((name) => ({ name, sql: fs.readFileSync(path.join(MIGRATIONS, name, "migration.sql"), "utf8") }));
}

/** Apply every migration to the PostgreSQL database at `url`, one script at a time. */
export async function migratePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const m of migrations()) await client.query(m.sql);
  } finally {
    await client.end();
  }
}

/**
 * A ticket inserted with the columns every migration has had, for upgrade
 * tests that write rows before a later migration: today's client would
 * name columns (with their defaults) that the old schema does not have yet.
 */
export async function oldTicket(prisma: PrismaClient, title: string, description: string, requesterId: string): Promise<{ id: string }> {
  const id = `old-${Math.random().toString(36).slice(2, 12)}`;
  await prisma.$executeRaw`INSERT INTO "Ticket" ("id", "title", "description", "requesterId", "updatedAt") VALUES (${id}, ${title}, ${description}, ${requesterId}, now())`;
  return { id };
}
