/**
 * `npm run user -- create-admin`: the operator's way in when no admin can
 * sign in (a fresh PostgreSQL install, a forgotten password). Runs in plain
 * Node against a database opened by scripts/user.ts, so it takes the Prisma
 * client as an argument; there is no signed-in actor, and the audit log
 * records the command line as the actor (null).
 */
import type { PrismaClient } from "../../generated/prisma/client";
import { recordAudit } from "../audit/record-audit";
import { ACTIVE_ADMINS } from "../policy";
import { hashPassword } from "./hash-password";

export async function operatorCreateAdmin(prisma: PrismaClient, input: { email: string; name: string; password: string }): Promise<{ id: string }> {
  const passwordHash = await hashPassword(input.password);
  return prisma.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: input.email }, select: { id: true } })) {
      throw new Error(`A user with email ${input.email} already exists: use reset-password, or change their role on /admin/users.`);
    }
    const user = await tx.user.create({
      data: { email: input.email, name: input.name, role: ACTIVE_ADMINS.role, passwordHash },
      select: { id: true, email: true, name: true, role: true, active: true },
    });
    await recordAudit(tx, {
      actorId: null,
      action: "user:create",
      targetUserId: user.id,
      after: { email: user.email, name: user.name, role: user.role, active: user.active, password: "set by operator" },
    });
    return { id: user.id };
  });
}
