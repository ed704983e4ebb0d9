"use client";

import type { ConnectionState } from "../../client/realtime-client";
import { useConnectionState, useSessionEnded } from "../../client/realtime-provider";
import { SignInAgainLink } from "../auth/sign-in-again";

const LABELS: Record<ConnectionState, string> = {
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

/** Live connection status for the header; announced politely to screen readers. */
export function ConnectionIndicator() {
  const state = useConnectionState();
  const ended = useSessionEnded();
  return (
    <span className="connection" data-state={state}>
      <span className="connection__dot" aria-hidden="true" />
      <span role="status" aria-live="polite" className="connection__label">
        {LABELS[state]}
        {ended && state === "offline" && (
          <>
            {" "}
            — your session ended. <SignInAgainLink />
          </>
        )}
      </span>
    </span>
  );
}
