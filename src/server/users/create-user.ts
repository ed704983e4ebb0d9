import "server-only";
import type { UserDTO } from "../../shared/dto";
import type { TCreateUser } from "../../shared/schemas/users";
import { recordAudit } from "../audit/record-audit";
import { db, isUniqueViolation } from "../db";
import { AppError } from "../errors";
import { type Actor, authorize } from "../policy";
import { hashPassword } from "./hash-password";
import { inviteUrl, issueInviteToken, NO_PASSWORD } from "./invite-token";

export const USER_SELECT = { id: true, name: true, email: true, role: true, active: true } as const;

export type CreatedUser = { user: UserDTO; invite?: { url: string; expiresAt: string } };

/**
 * Create a user (admins only). With a password they can sign in at once;
 * without one they get an invite link, answered here once and never stored
 * in clear. A duplicate email is a 409 and writes nothing.
 */
export async function createUser(actor: Actor, input: TCreateUser): Promise<CreatedUser> {
  authorize(actor, "user:create");
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : NO_PASSWORD;
  try {
    return await db().$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: input.email, name: input.name, role: input.role, passwordHash },
        select: USER_SELECT,
      });
      const invite = input.password === undefined ? await issueInviteToken(tx, user.id) : undefined;
      await recordAudit(tx, {
        actorId: actor.id,
        action: "user:create",
        targetUserId: user.id,
        after: { email: user.email, name: user.name, role: user.role, active: user.active, password: invite ? "invite link" : "set by admin" },
      });
      return { user, ...(invite ? { invite: { url: inviteUrl(invite.token), expiresAt: invite.expiresAt.toISOString() } } : {}) };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateEmail();
    throw e;
  }
}

export function duplicateEmail(): AppError {
  return new AppError("CONFLICT", "A user with this email already exists", { email: ["A user with this email already exists"] });
}
