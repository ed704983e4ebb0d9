import "server-only";
import type { MailKind } from "../../shared/mail";
import { db } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import { audienceOf } from "../policy";
import { saveEmailSettings } from "./update-email-settings";
import { verifyUnsubscribeToken } from "./unsubscribe-token";

/** What an unsubscribe link is for, to show on its confirmation page; null for a link that is not valid. */
export async function readUnsubscribeToken(token: string): Promise<{ kind: MailKind; email: string; staff: boolean } | null> {
  const claim = verifyUnsubscribeToken(secret(), token);
  if (!claim) return null;
  const user = await db().user.findUnique({ where: { id: claim.userId }, select: { id: true, email: true, role: true } });
  return user ? { kind: claim.kind, email: user.email, staff: audienceOf(user) === "staff" } : null;
}

/**
 * Turn off the kind of email an unsubscribe link was made for, for its user,
 * without a session: the signed token is the authority (see
 * ./unsubscribe-token.ts). Doing it twice is harmless.
 */
export async function unsubscribe(token: string): Promise<{ kind: MailKind }> {
  const claim = verifyUnsubscribeToken(secret(), token);
  const user = claim && (await db().user.findUnique({ where: { id: claim.userId }, select: { id: true, role: true } }));
  if (!claim || !user) throw new AppError("VALIDATION", "This unsubscribe link is not valid");
  await saveEmailSettings(db(), user, { [claim.kind]: false });
  return { kind: claim.kind };
}

function secret(): string {
  // server.ts resolves the secret (generated on the embedded setup) before Next loads.
  const s = env().NEXTAUTH_SECRET;
  if (!s) throw new Error("NEXTAUTH_SECRET is not resolved");
  return s;
}
