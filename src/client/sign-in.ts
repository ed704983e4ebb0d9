import { getCsrfToken } from "next-auth/react";
import { tooManyAttemptsMessage } from "../shared/schemas/auth";

/**
 * Signing in from the browser: the login form, and the sign-up and invite
 * forms once the account or password exists.
 */
const BAD_CREDENTIALS = "Incorrect email or password.";
const SIGN_IN_ERRORS = new Map<string, string>([
  ["CredentialsSignin", BAD_CREDENTIALS],
  ["SessionRequired", "Sign in to continue."],
  ["RateLimited", "Too many attempts, try again later."],
]);

/**
 * The words for next-auth's `error` code (from the sign-in page's URL, which
 * anyone can write). A Map, not an object: `?error=__proto__` or
 * `constructor` found the object's inherited members and broke the page.
 */
export function signInErrorMessage(code: string): string {
  return SIGN_IN_ERRORS.get(code) ?? "Sign-in failed. Try again.";
}

/** What the sign-in throttle says, from the answer's Retry-After (seconds). */
function tooManyAttempts(retryAfter: string | null): string {
  const seconds = Number(retryAfter);
  if (!Number.isFinite(seconds) || seconds <= 0) return SIGN_IN_ERRORS.get("RateLimited")!;
  return tooManyAttemptsMessage(seconds);
}

export type SignInResult = { ok: true } | { ok: false; message: string };

/**
 * next-auth's credentials callback, posted the way its signIn() does, but
 * keeping the response: signIn() drops the status and Retry-After a
 * throttled attempt (429) carries.
 */
export async function postCredentials(email: string, password: string): Promise<SignInResult> {
  const csrfToken = (await getCsrfToken()) ?? "";
  const res = await fetch("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: window.location.href, json: "true" }),
  });
  if (res.status === 429) return { ok: false, message: tooManyAttempts(res.headers.get("Retry-After")) };
  const data = (await res.json().catch(() => ({}))) as { url?: string };
  let error: string | null = "CredentialsSignin";
  try {
    error = new URL(data.url ?? "", window.location.origin).searchParams.get("error");
  } catch {
    /* keep the generic error */
  }
  if (!res.ok || error) return { ok: false, message: SIGN_IN_ERRORS.get(error ?? "") ?? BAD_CREDENTIALS };
  return { ok: true };
}

