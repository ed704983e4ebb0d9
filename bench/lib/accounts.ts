/**
 * Thousands of signed-in users, cheaply. Signing in through next-auth's
 * credentials route costs an argon2 hash per user and is throttled per
 * address, so 10,000 sign-ins would take many minutes. The socket handshake
 * and every API route check exactly two things (src/server/auth/session-token.ts):
 * a next-auth JWT signed with NEXTAUTH_SECRET whose `sub` and `sid` name a
 * user and a live Session row. So the harness inserts the User and Session
 * rows with one statement each and encodes the JWTs itself with next-auth's
 * own `encode`: the server then does for each socket exactly the work it does
 * for a browser that signed in (decode, one session query).
 */
import { encode } from "next-auth/jwt";
import type { PrismaClient } from "../../src/generated/prisma/client";

export type Account = { userId: string; sessionId: string; cookie: string };

const SESSION_SECONDS = 7 * 24 * 60 * 60;

/**
 * `count` active agents (agents may open every ticket, so any of them can sit
 * in any room) with one live session each, ids `bench_u_<i>` / `bench_s_<i>`.
 */
export async function createAccounts(prisma: PrismaClient, count: number, secret: string): Promise<Account[]> {
  await prisma.$executeRawUnsafe(
    `INSERT INTO "User" (id, name, email, "passwordHash", role, active, "createdAt", "updatedAt")
     SELECT 'bench_u_' || g, 'Bench agent ' || g, 'bench' || g || '@bench.invalid', '!unusable', 'AGENT'::"Role", true, now(), now()
     FROM generate_series(1, ${Number(count)}) AS g`,
  );
  await prisma.$executeRawUnsafe(
    `INSERT INTO "Session" (id, "userId", "createdAt", "lastUsedAt", "expiresAt")
     SELECT 'bench_s_' || g, 'bench_u_' || g, now(), now(), now() + interval '${SESSION_SECONDS} seconds'
     FROM generate_series(1, ${Number(count)}) AS g`,
  );
  const accounts: Account[] = [];
  for (let i = 1; i <= count; i++) {
    const token = await encode({
      secret,
      maxAge: SESSION_SECONDS,
      token: { sub: `bench_u_${i}`, sid: `bench_s_${i}`, role: "AGENT", name: `Bench agent ${i}`, email: `bench${i}@bench.invalid` },
    });
    // The non-secure cookie name: the servers run on plain http (see src/server/auth/secure.ts).
    accounts.push({ userId: `bench_u_${i}`, sessionId: `bench_s_${i}`, cookie: `next-auth.session-token=${token}` });
  }
  return accounts;
}
