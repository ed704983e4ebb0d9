import "server-only";
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import type { SessionUser } from "../../shared/dto";
import { AppError } from "../errors";
import { findActiveUser } from "../users/find-active-user";
import { authOptions } from "./options";
import { isSecureRequest } from "./secure";

/**
 * The signed-in user of the current request (page or route handler), read
 * fresh from the database so a deactivated or deleted user is signed out at
 * once rather than when the JWT expires.
 */
export async function getCurrentUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions(isSecureRequest(await headers())));
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  return findActiveUser(id);
}

/** The signed-in user, or an UNAUTHORIZED error. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) throw new AppError("UNAUTHORIZED", "Sign in first");
  return user;
}
