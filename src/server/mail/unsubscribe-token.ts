import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { isMailKind, type MailKind } from "../../shared/mail";

/**
 * Unsubscribe tokens: `base64url(userId:kind).signature`, the signature an
 * HMAC-SHA256 with the session secret. They never expire (a link in an old
 * mail must still work) and do only one thing, turn that one kind of mail
 * off for that one user, so a leaked token cannot do more harm than that.
 * Rotating NEXTAUTH_SECRET invalidates every link already sent.
 */
export function unsubscribeToken(secret: string, userId: string, kind: MailKind): string {
  const payload = Buffer.from(`${userId}:${kind}`).toString("base64url");
  return `${payload}.${sign(secret, payload)}`;
}

/** The user and kind a token was made for, or null when it is malformed or not ours. */
export function verifyUnsubscribeToken(secret: string, token: string): { userId: string; kind: MailKind } | null {
  if (token.length > 512) return null;
  const [payload, signature, ...rest] = token.split(".");
  if (!payload || !signature || rest.length > 0) return null;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const [userId, kind, ...more] = Buffer.from(payload, "base64url").toString("utf8").split(":");
  if (!userId || !kind || more.length > 0 || !isMailKind(kind)) return null;
  return { userId, kind };
}

function sign(secret: string, payload: string): string {
  // Domain-separated, so the session secret's other uses never produce one of these.
  return createHmac("sha256", secret).update(`tandem:unsubscribe:v1:${payload}`).digest("base64url");
}

/** The page that confirms an unsubscription (the link in every mail). */
export function unsubscribeUrl(appUrl: string, secret: string, userId: string, kind: MailKind): string {
  return `${appUrl}/unsubscribe?token=${encodeURIComponent(unsubscribeToken(secret, userId, kind))}`;
}

/** The RFC 8058 one-click endpoint (List-Unsubscribe with List-Unsubscribe-Post). */
export function oneClickUnsubscribeUrl(appUrl: string, secret: string, userId: string, kind: MailKind): string {
  return `${appUrl}/api/unsubscribe?token=${encodeURIComponent(unsubscribeToken(secret, userId, kind))}`;
}
