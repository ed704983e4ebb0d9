import "server-only";
import type { SessionUser, UserDTO } from "../../shared/dto";
import type { TUpdateUser } from "../../shared/schemas/users";
import { ID_PATTERN } from "../../shared/schemas/text";
import { recordAudit } from "../audit/record-audit";
import { db, isUniqueViolation } from "../db";
import { duplicateEmail } from "./create-user";
import { AppError } from "../errors";
import { ACTIVE_ADMINS, audienceOf, authorize, losesAdmin, mayBeAssigned } from "../policy";
import { runtime } from "../runtime";
import { CLOSED_STATUSES } from "../../shared/views";
import { log } from "../log";
import { updateTicket } from "../tickets/update-ticket";

const userSelect = { id: true, name: true, email: true, role: true, active: true } as const;

/**
 * Change a user's name, email, role or active flag (admins only). An email
 * another account has is refused (409), whatever its case.
 *
 * The last active admin can be neither demoted nor deactivated: nobody could
 * administer the install afterwards. Deactivating revokes all of the user's
 * sessions and voids their unused invite links (reactivated, they need a new
 * one). A deactivation or role change closes the user's open sockets on
 * every process at once: a deactivated user's reconnect is refused, a
 * re-roled one reconnects with rooms for the new role (a demoted agent stops
 * receiving internal notes), and an open ticket page, whose events are in
 * the old role's numbering, is told to reload (AUDIENCE_CHANGED). Every real change is audited with the fields'
 * before and after values.
 */
export async function updateUser(actor: SessionUser, userId: string, input: TUpdateUser): Promise<UserDTO & { unassignedTickets: number }> {
  authorize(actor, "user:update");
  if (!ID_PATTERN.test(userId)) throw notFound();
  const { user, deactivated, roleChanged } = await db()
    .$transaction(async (tx) => {
    // Lock the active admins' rows: two admins demoting each other at once
    // must not both see the other one still there and leave none.
    // (Raw SQL for FOR UPDATE; the same set as the policy's ACTIVE_ADMINS.)
    await tx.$queryRaw`SELECT id FROM "User" WHERE role = 'ADMIN' AND active FOR UPDATE`;
    const current = await tx.user.findUnique({ where: { id: userId }, select: userSelect });
    if (!current) throw notFound();
    if (losesAdmin(current, input) && (await tx.user.count({ where: ACTIVE_ADMINS })) <= 1) {
      throw new AppError("CONFLICT", "This is the last active admin: make someone else an admin first");
    }
    const user = await tx.user.update({
      where: { id: userId },
      data: { name: input.name, email: input.email, role: input.role, active: input.active },
      select: userSelect,
    });
    const changed = (["name", "email", "role", "active"] as const).filter((k) => current[k] !== user[k]);
    if (changed.length > 0) {
      await recordAudit(tx, {
        actorId: actor.id,
        action: "user:update",
        targetUserId: userId,
        before: Object.fromEntries(changed.map((k) => [k, current[k]])),
        after: Object.fromEntries(changed.map((k) => [k, user[k]])),
      });
    }
    if (current.email !== user.email) {
      // A link mailed to the old address (a mistyped one, read by a
      // stranger) must not set this account's password: unused links are
      // void, and the admin sends a new one to the corrected address.
      await tx.invite.updateMany({ where: { userId, usedAt: null }, data: { usedAt: new Date() } });
    }
    const deactivated = current.active && !user.active;
    if (deactivated) {
      const now = new Date();
      await tx.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } });
      // Unused invite and reset links too (as a reset does): one sent before
      // the deactivation (leaked, or the reason for it) would otherwise set
      // a password again once the user is reactivated, for up to a week.
      await tx.invite.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
    }
    if (audienceOf(current) !== audienceOf(user)) {
      // Read marks are seqs in the old numbering (staff count internal notes,
      // requesters do not): kept, a demoted agent's would be ahead of every
      // public reply for a while, hiding it as read. Everything reads unread once.
      await tx.ticketRead.deleteMany({ where: { userId } });
    }
    return { user, deactivated, roleChanged: current.role !== user.role };
    })
    .catch((e: unknown) => {
      if (isUniqueViolation(e)) throw duplicateEmail();
      throw e;
    });
  if (deactivated || roleChanged) runtime().sockets?.closeUser(userId);
  const unassignedTickets = (deactivated || roleChanged) && !mayBeAssigned(user) ? await unassignOpenTickets(actor, userId) : 0;
  return { ...user, unassignedTickets };
}

/**
 * Someone who may no longer be assigned (deactivated, or no longer staff)
 * keeps no open ticket: each would sit in nobody's queue, out of
 * "Unassigned" and in the list of someone who will never answer it. Each is
 * unassigned as the admin's own change (an event, live in every list, in the
 * ticket's history); resolved and closed ones keep their assignee as record.
 * After the user's change has committed: a ticket that fails here stays
 * assigned and is logged, and the admin can unassign it by hand.
 */
async function unassignOpenTickets(actor: SessionUser, userId: string): Promise<number> {
  const open = await db().ticket.findMany({ where: { assigneeId: userId, status: { notIn: [...CLOSED_STATUSES] } }, select: { id: true } });
  let done = 0;
  for (const { id } of open) {
    await updateTicket(actor, id, { assigneeId: null }).then(
      () => done++,
      (e: unknown) => log.error({ err: e, ticketId: id, userId }, "[tandem] unassigning a ticket of a user who may no longer be assigned failed"),
    );
  }
  return done;
}

function notFound() {
  return new AppError("NOT_FOUND", "User not found");
}
