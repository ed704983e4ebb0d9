"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";
import { removeAllLocalDrafts } from "../../client/local-draft";
import { useRealtimeClient } from "../../client/realtime-provider";

/**
 * Ends the session (next-auth's sign-out, which revokes it server-side), then
 * loads /login in full so the socket and layout start over.
 */
export function SignOutButton() {
  const [pending, setPending] = useState(false);
  const realtime = useRealtimeClient();
  return (
    <button
      type="button"
      className="button button--ghost"
      disabled={pending}
      onClick={async () => {
        setPending(true);
        // The revocation closes this tab's socket too; stop it first so the
        // header does not flash "your session ended" on the way out.
        realtime?.stop();
        // Drafts this browser kept for the server: not for whoever uses it next.
        removeAllLocalDrafts();
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
