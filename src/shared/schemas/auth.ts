/** Sign-in form schema, shared by the login page and the credentials provider. */
import { z } from "zod";
import "./zod-csp";

/**
 * Longest accepted password. Refused with a message rather than cut short:
 * a password is never silently truncated (argon2id itself takes any length;
 * the cap bounds the work one request may ask of the hash).
 */
export const PASSWORD_MAX_LENGTH = 200;

/** What a throttled sign-in says, server and form alike: N is Retry-After rounded up to minutes. */
export function tooManyAttemptsMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many attempts, try again in ${minutes} minute${minutes === 1 ? "" : "s"}`;
}

export const ZSignIn = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address").max(320),
  password: z
    .string()
    .min(1, "Password is required")
    .max(PASSWORD_MAX_LENGTH, `Passwords are at most ${PASSWORD_MAX_LENGTH} characters`),
});
export type TSignIn = z.infer<typeof ZSignIn>;
