"use client";

import { usePathname } from "next/navigation";

/**
 * "Sign in again", back to this page afterwards: a bare /login link landed
 * the user on the ticket list, to look for the ticket they were writing on.
 * A plain link (a full page load), as sign-in is.
 */
export function SignInAgainLink({ children = "Sign in again" }: { children?: React.ReactNode }) {
  const pathname = usePathname() ?? "/tickets";
  return <a href={`/login?callbackUrl=${encodeURIComponent(pathname)}`}>{children}</a>;
}
