import bcrypt from "bcryptjs";

/** bcrypt cost: OWASP's minimum for bcrypt; each step doubles sign-in CPU time. */
const COST = 10;

/** Hash a password for storage (bcrypt, salted). */
export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}
