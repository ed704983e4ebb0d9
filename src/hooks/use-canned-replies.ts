"use client";

import { useRef, useState } from "react";
import { apiFetch, errorMessage } from "../client/api-client";
import { useOnConnect, useRealtimeMessage } from "../client/realtime-provider";
import { serialLoader } from "../client/serial-loader";
import type { CannedReplyDTO } from "../shared/dto";

export type CannedReplies = {
  /** The list, or null until it was first loaded. */
  list: CannedReplyDTO[] | null;
  /** Why the last read failed (kept until one succeeds). */
  error: string | null;
  /** Start following the list: read it now unless it is held or being read. Safe to call often. */
  load(): void;
  /** Apply this tab's own change at once; the server's announcement re-reads it anyway. */
  setList(update: (list: CannedReplyDTO[]) => CannedReplyDTO[]): void;
};

/**
 * The canned replies the signed-in staff member may use (shared ones and
 * their own), kept live. `initial`: a list the page rendered with (followed
 * from the start); null: read when first wanted (`load()`, e.g. when the
 * picker opens), then followed.
 *
 * Followed means: every `canned:changed` (a shared reply changed anywhere, or
 * one of the user's own in any tab; src/shared/realtime.ts) and every
 * (re)connection, whose gap no message covers, read the list again. Reading
 * rather than applying the message keeps the policy in one place: the list's
 * answer is what this user may see and edit.
 */
export function useCannedReplies(initial: CannedReplyDTO[] | null): CannedReplies {
  const [list, setListState] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [loader] = useState(() =>
    serialLoader(
      () => apiFetch<{ items: CannedReplyDTO[] }>("/api/canned-replies"),
      (res) => {
        setListState(res.items);
        setError(null);
      },
      (e) => setError(errorMessage(e)),
    ),
  );
  const followed = useRef(initial !== null);
  const refresh = () => {
    if (followed.current) loader.run();
  };
  useRealtimeMessage("canned:changed", refresh);
  useOnConnect(refresh);

  return {
    list,
    error,
    load() {
      if (followed.current && (list !== null || loader.busy())) return;
      followed.current = true;
      if (!loader.busy()) loader.run();
    },
    setList(update) {
      setListState((current) => (current === null ? current : update(current)));
    },
  };
}
