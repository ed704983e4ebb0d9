import "server-only";
import type { SessionUser } from "../../shared/dto";
import type { TSignUp } from "../../shared/schemas/users";
import { recordAudit } from "../audit/record-audit";
import { db, isUniqueViolation } from "../db";
import { env } from "../env";
import { AppError } from "../errors";
import { limiter, retryAfterSeconds, tryConsume } from "../limits/store";
import { maySignUp, SIGNUP_ROLE } from "../policy";
import { getSettings } from "../settings/get-settings";
import { duplicateEmail } from "./create-user";
import { hashPassword } from "./hash-password";

const HOUR = 60 * 60;

/**
 * Self sign-up: create a requester account (when an admin switched sign-up
 * on). Counted per client address like sign-in attempts (SIGNUP_LIMIT per
 * hour, in Redis with REDIS_URL), before any hashing, so a flood costs one
 * counter lookup per request. The caller then signs in through next-auth.
 */
export async function signUp(input: TSignUp, clientAddress: string): Promise<SessionUser> {
  if (!maySignUp(await getSettings())) throw signUpOff();
  const refused = await tryConsume(limiter({ keyPrefix: "signup:ip", points: env().SIGNUP_LIMIT, duration: HOUR }), clientAddress);
  if (refused) {
    const seconds = retryAfterSeconds(refused);
    throw new AppError("RATE_LIMITED", `Too many sign-ups from your address. Try again in ${Math.ceil(seconds / 60)} minutes.`, undefined, seconds);
  }
  const passwordHash = await hashPassword(input.password);
  try {
    return await db().$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: input.email, name: input.name, role: SIGNUP_ROLE, passwordHash },
        select: { id: true, name: true, email: true, role: true },
      });
      // The account's own doing: an admin finds where every account came from.
      await recordAudit(tx, { actorId: user.id, action: "user:create", targetUserId: user.id, after: { email: user.email, name: user.name, role: user.role, via: "sign-up" } });
      return user;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicateEmail();
    throw e;
  }
}

export function signUpOff(): AppError {
  return new AppError("NOT_FOUND", "Sign-up is not open on this site. Ask an administrator for an account.");
}
