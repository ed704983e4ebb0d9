import "server-only";
import type { PrismaClient } from "../../generated/prisma/client";
import { runtime } from "../runtime";

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

/** Prisma's unique-constraint violation, recognised without `instanceof` (bundles differ). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "P2002";
}
