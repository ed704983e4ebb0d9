"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";

/** Ends the session, then loads /login in full so the socket and layout start over. */
export function SignOutButton() {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      className="button button--ghost"
      disabled={pending}
      onClick={async () => {
        setPending(true);
        try {
          await signOut({ redirect: false });
        } finally {
          // A full load on purpose: the layout and the socket must start over signed out.
          // eslint-disable-next-line @next/next/no-location-assign-relative-destination
          window.location.assign("/login");
        }
      }}
    >
      Sign out
    </button>
  );
}
