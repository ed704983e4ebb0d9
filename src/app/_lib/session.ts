import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getCurrentUser } from "../../server/auth/current-user";
import type { SessionUser } from "../../shared/dto";

/** The signed-in user, read once per request however many components ask. */
export const currentUser = cache(getCurrentUser);

/** The signed-in user, or a redirect to /login that comes back to `returnTo`. */
export async function requirePageUser(returnTo: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/login?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}
