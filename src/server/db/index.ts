import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import { runtime } from "../runtime";
import { prismaSql, type Sql } from "./sql";

/**
 * The process's Prisma client. It is opened once by server.ts (PGlite allows a
 * single in-process instance per data directory), never by a route bundle.
 */
export function db(): PrismaClient {
  const prisma = runtime().prisma;
  if (!prisma) {
    throw new Error("Database not open: start Tandem with server.ts (npm run dev / npm start), not `next` directly");
  }
  return prisma;
}

/**
 * The process's direct statements (see sql.ts). Where only a Prisma client is
 * set (unit tests over an in-memory database), the same statements run as
 * Prisma raw queries on it.
 */
export function sql(): Sql {
  const rt = runtime();
  if (rt.sql) return rt.sql;
  return prismaSql(db());
}

/**
 * A unique-constraint violation, recognised without `instanceof` (bundles
 * differ): Prisma's P2002, or a driver adapter's error that Prisma passed
 * through unmapped. pglite-prisma-adapter reports the raw PostgreSQL error
 * (`cause.kind` "postgres", SQLSTATE 23505) and Prisma then throws a
 * DriverAdapterError without a code.
 */
export function isUniqueViolation(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const code = (e as { code?: unknown }).code;
  // P2002 from Prisma's ORM calls; SQLSTATE 23505 as such from the direct statements (sql.ts).
  if (code === "P2002" || code === "23505") return true;
  const cause = (e as { cause?: { kind?: unknown; code?: unknown } }).cause;
  return cause?.kind === "UniqueConstraintViolation" || (cause?.kind === "postgres" && cause.code === "23505");
}
