import "server-only";
import type { SessionUser } from "../../shared/dto";
import { ZSignIn } from "../../shared/schemas/auth";
import { db } from "../db";
import { hashPassword, verifyDummy, verifyPassword } from "./hash-password";
import { NO_PASSWORD } from "./invite-token";
import { log } from "../log";

/**
 * Check an email and password; returns the user, or null for any kind of
 * failure. An unknown email costs as much time as a wrong password, so a miss
 * does not reveal which emails exist. A legacy bcrypt hash is replaced by an
 * argon2id one on the first successful check.
 */
export async function verifyCredentials(input: unknown): Promise<SessionUser | null> {
  const parsed = ZSignIn.safeParse(input);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const user = await db().user.findUnique({ where: { email } });
  // No account, or one still waiting for its invite to be used: no password
  // can match, and the answer takes as long as a real check (nothing revealed).
  if (!user || user.passwordHash === NO_PASSWORD) {
    await verifyDummy(password);
    return null;
  }
  const check = await verifyPassword(user.passwordHash, password);
  if (!check.ok || !user.active) return null;
  if (check.needsRehash) {
    try {
      // Only if unchanged since read: a concurrent password change wins.
      await db().user.updateMany({
        where: { id: user.id, passwordHash: user.passwordHash },
        data: { passwordHash: await hashPassword(password) },
      });
    } catch (e) {
      // The sign-in itself is valid; the upgrade is retried next time.
      log.error({ err: e }, "[tandem] password hash upgrade failed");
    }
  }
  return { id: user.id, name: user.name, email: user.email, role: user.role };
}
