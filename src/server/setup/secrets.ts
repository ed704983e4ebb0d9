import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Env } from "../env";

/**
 * The next-auth secret: NEXTAUTH_SECRET when set. Without it the embedded
 * setup generates one on first start and keeps it in DATA_DIR, so sessions
 * survive restarts. A PostgreSQL deployment may run several processes, which
 * must share one secret: there it is required.
 */
export function resolveAuthSecret(env: Env): string {
  if (env.NEXTAUTH_SECRET) return env.NEXTAUTH_SECRET;
  if (!env.embedded) {
    throw new Error("NEXTAUTH_SECRET is required when DATABASE_URL is set (every process must share it)");
  }
  const file = path.join(env.dataDir, "nextauth-secret");
  try {
    const existing = fs.readFileSync(file, "utf8").trim();
    if (existing.length >= 32) return existing;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const secret = randomBytes(32).toString("base64url");
  fs.mkdirSync(env.dataDir, { recursive: true });
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** A readable random password for the demo accounts. */
export function generatePassword(): string {
  return randomBytes(12).toString("base64url");
}
