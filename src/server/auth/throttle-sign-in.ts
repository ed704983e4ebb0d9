import "server-only";
import { tooManyAttemptsMessage } from "../../shared/schemas/auth";
import { env } from "../env";
import { clientAddressOf } from "../http/client-address";
import { limiter, retryAfterSeconds, tryConsume } from "../limits/store";

const DAY = 24 * 60 * 60;
/** First block after too many failures in a row; each further block doubles, up to a day. */
const FIRST_BLOCK_SECONDS = 60;

/**
 * rate-limiter-flexible's login-protection pattern: failures in a row per
 * email and client address (reset by a success), failures per address per
 * day, and blocks for one email+address that grow 1, 2, 4, 8… minutes
 * (counted per day) instead of one fixed block.
 */
function limiters() {
  const e = env();
  return {
    perIpDay: limiter({ keyPrefix: "signin:ip-day", points: e.SIGNIN_MAX_FAILS_PER_IP_DAY, duration: DAY, blockDuration: DAY }),
    // The first block is set by the crossing consume itself (atomic in the
    // store), so parallel attempts never see a longer Retry-After than is due.
    consecutive: limiter({ keyPrefix: "signin:email-ip", points: e.SIGNIN_MAX_CONSECUTIVE_FAILS, duration: DAY, blockDuration: FIRST_BLOCK_SECONDS }),
    blocks: limiter({ keyPrefix: "signin:blocks", points: 1_000_000, duration: DAY }),
  };
}

export type SignInAttempt =
  | { allowed: false; retryAfterSeconds: number }
  | {
      allowed: true;
      /** Record the outcome: a success clears the failures in a row and refunds the address's point. */
      finish(succeeded: boolean): Promise<void>;
    };

/**
 * Reserve a sign-in attempt for `email` from `address`. Each attempt counts
 * as a failure up front and is refunded by a success: counting after the
 * password check (the library's example) lets a burst of parallel attempts
 * all pass the check before the first failure is counted.
 */
export async function beginSignIn(email: string, address: string): Promise<SignInAttempt> {
  const { perIpDay, consecutive, blocks } = limiters();
  const accountKey = `${email}|${address}`;
  // Cheap reads first: a blocked client's flood costs two lookups each.
  const [ipNow, accountNow] = await Promise.all([perIpDay.get(address), consecutive.get(accountKey)]);
  const refused = [ipNow && ipNow.consumedPoints > perIpDay.points ? ipNow : null, accountNow && accountNow.consumedPoints > consecutive.points ? accountNow : null].filter((r) => r !== null);
  if (refused.length) return { allowed: false, retryAfterSeconds: Math.max(...refused.map(retryAfterSeconds)) };

  const ipRefusal = await tryConsume(perIpDay, address);
  if (ipRefusal) return { allowed: false, retryAfterSeconds: retryAfterSeconds(ipRefusal) };
  const accountRefusal = await tryConsume(consecutive, accountKey);
  if (accountRefusal) {
    // Just crossed the line: block for a duration that doubles with every
    // block this email+address has earned today.
    let seconds = retryAfterSeconds(accountRefusal);
    if (accountRefusal.consumedPoints === consecutive.points + 1) {
      const earned = (await blocks.consume(accountKey)).consumedPoints;
      if (earned > 1) {
        seconds = Math.min(DAY, FIRST_BLOCK_SECONDS * 2 ** (earned - 1));
        await consecutive.block(accountKey, seconds);
      }
    }
    await perIpDay.reward(address); // a refused attempt checked no password
    return { allowed: false, retryAfterSeconds: seconds };
  }
  return {
    allowed: true,
    async finish(succeeded) {
      if (!succeeded) return;
      await Promise.all([consecutive.delete(accountKey), perIpDay.reward(address)]);
    },
  };
}

function emailOf(body: string): string {
  try {
    return (new URLSearchParams(body).get("email") ?? "").trim().toLowerCase().slice(0, 320);
  } catch {
    return "";
  }
}

function tooManyAttempts(seconds: number): Response {
  return Response.json(
    {
      error: {
        code: "RATE_LIMITED",
        message: tooManyAttemptsMessage(seconds),
      },
      // next-auth's own signIn() reads `url` from every answer of this endpoint.
      url: `${env().APP_URL}/login?error=RateLimited`,
    },
    { status: 429, headers: { "Retry-After": String(seconds) } },
  );
}

/**
 * Run next-auth's credentials callback (`run`) under the sign-in throttle. A
 * throttled attempt is answered 429 with Retry-After and never reaches the
 * password check. Success is read from the answer: next-auth sets a session
 * cookie exactly when the credentials were accepted.
 */
export async function throttleSignIn(req: Request, run: () => Promise<Response>): Promise<Response> {
  const contentType = req.headers.get("content-type") ?? "";
  const email = contentType.includes("application/x-www-form-urlencoded") ? emailOf(await req.clone().text()) : "";
  const attempt = await beginSignIn(email, clientAddressOf(req.headers));
  if (!attempt.allowed) return tooManyAttempts(attempt.retryAfterSeconds);
  const res = await run();
  const succeeded = res.headers.getSetCookie().some((c) => /^(__Secure-)?next-auth\.session-token(\.\d+)?=[^;]/.test(c));
  await attempt.finish(succeeded);
  return res;
}
