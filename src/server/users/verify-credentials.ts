import "server-only";
import bcrypt from "bcryptjs";
import type { SessionUser } from "../../shared/dto";
import { ZSignIn } from "../../shared/schemas/auth";
import { db } from "../db";

// Compared against when the email is unknown, so a miss costs as much time as
// a wrong password and does not reveal which emails exist.
const DUMMY_HASH = "$2b$10$5C/GnmFUwtROKIwPe1/MaOoV.rZgBuO65C1yEzcN9vWoOoqKz4Yp.";

/** Check an email and password; returns the user, or null for any kind of failure. */
export async function verifyCredentials(input: unknown): Promise<SessionUser | null> {
  const parsed = ZSignIn.safeParse(input);
  if (!parsed.success) return null;
  const user = await db().user.findUnique({ where: { email: parsed.data.email } });
  const ok = await bcrypt.compare(parsed.data.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok || !user.active) return null;
  return { id: user.id, name: user.name, email: user.email, role: user.role };
}
