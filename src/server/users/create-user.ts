import "server-only";
import type { UserDTO } from "../../shared/dto";
import type { InviteIssued } from "../../shared/invite";
import type { TCreateUser } from "../../shared/schemas/users";
import { recordAudit } from "../audit/record-audit";
import { db, isUniqueViolation } from "../db";
import { AppError } from "../errors";
import { type Actor, authorize } from "../policy";
import { hashPassword } from "./hash-password";
import { NO_PASSWORD } from "./invite-token";
import { auditedDelivery, invitesCommitted, issueInvite } from "./issue-invite";

export const USER_SELECT = { id: true, name: true, email: true, role: true, active: true } as const;

export type CreatedUser = { user: UserDTO; invite?: InviteIssued };

/**
 * Create a user (admins only). With a password they can sign in at once;
 * without one they get an invite link: mailed to them when mail is on (the
 * answer then says only where it went), else answered here once for the
 * admin to pass on. Never stored in clear. A duplicate email is a 409 and
 * writes nothing, mail included.
 */
export async function createUser(actor: Actor, input: TCreateUser): Promise<CreatedUser> {
  authorize(actor, "user:create");
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : NO_PASSWORD;
  let created: CreatedUser;
  try {
    created = await db().$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: input.email, name: input.name, role: input.role, passwordHash },
        select: USER_SELECT,
      });
      const invite = input.password === undefined ? await issueInvite(tx, { inviterId: actor.id, user, purpose: "welcome" }) : undefined;
      await recordAudit(tx, {
        actorId: actor.id,
        action: "user:create",
        targetUserId: user.id,
        after: {
          email: user.email,
          name: user.name,
          role: user.role,
          active: user.active,
          password: invite ? `invite link, ${auditedDelivery(invite)}` : "set by admin",
        },
      });
      return { user, ...(invite ? { invite } : {}) };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateEmail();
    throw e;
  }
  invitesCommitted(created.invite);
  return created;
}

export function duplicateEmail(): AppError {
  return new AppError("CONFLICT", "A user with this email already exists", { email: ["A user with this email already exists"] });
}
