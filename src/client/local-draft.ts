/**
 * A reply box's text the server does not have yet, kept in this browser
 * (localStorage) until it does: typed while offline, while the server was
 * unreachable, or in the moment before a save. The server's draft follows
 * the user across tabs and devices (./draft-sync.ts); this copy is what
 * survives a reload, a closed tab or a crash before the server got it.
 *
 * Removed as soon as the server has the text (or the text was sent or
 * replaced), so it normally lives for a fraction of a second. Keyed by user
 * and ticket, and every copy is removed at sign-out: on a shared computer the
 * next person does not find the last one's words.
 */

/** Where a DraftSaver keeps its unsaved text; an in-memory one in tests. */
export type DraftBackup = {
  /** `pending` not yet on the server, which had `saved` (DraftSaver's lastSaved) when it was written. */
  write(record: LocalDraft): void;
  read(): LocalDraft | null;
  remove(): void;
};

export type LocalDraft = {
  pending: { body: string; internal: boolean };
  saved: string;
  /** Set while this text is being sent: it is restored only if it did not arrive (the tab may have closed before the answer). */
  sending?: boolean;
};

const PREFIX = "tandem:draft:";

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    // Storage disabled (a privacy setting): the server's draft is all there is.
    return null;
  }
}

/** This browser's backup of `userId`'s draft on `ticketId`. Failing storage (full, disabled) is ignored. */
export function localDraftBackup(userId: string, ticketId: string): DraftBackup {
  const key = `${PREFIX}${userId}:${ticketId}`;
  return {
    write(record) {
      try {
        storage()?.setItem(key, JSON.stringify(record));
      } catch {
        /* quota or privacy mode: nothing kept locally, the server save still runs */
      }
    },
    read() {
      try {
        const raw = storage()?.getItem(key);
        if (!raw) return null;
        const r = JSON.parse(raw) as LocalDraft;
        if (typeof r?.pending?.body !== "string" || typeof r.pending.internal !== "boolean" || typeof r.saved !== "string") return null;
        return r;
      } catch {
        return null;
      }
    },
    remove() {
      try {
        storage()?.removeItem(key);
      } catch {
        /* nothing to do */
      }
    },
  };
}

/** At sign-out: every draft kept in this browser, of any user. */
export function removeAllLocalDrafts(): void {
  const s = storage();
  if (!s) return;
  try {
    const keys: string[] = [];
    for (let i = 0; i < s.length; i++) {
      const k = s.key(i);
      if (k?.startsWith(PREFIX)) keys.push(k);
    }
    for (const k of keys) s.removeItem(k);
  } catch {
    /* nothing to do */
  }
}

/**
 * The text to put back in the box on load: the backup, if the server still
 * has what it had when the backup was written (so nothing newer was saved
 * from another tab or device, and the text was not sent from one); else
 * nothing, and the stale backup goes. Not a text that was being sent and
 * arrived.
 */
export function restorableDraft(
  backup: DraftBackup,
  server: { body: string; internal: boolean } | null,
  /** Whether the user's own comment with this text is in the conversation (a send whose answer the tab did not live to see). */
  wasSent: (body: string) => boolean,
): LocalDraft["pending"] | null {
  const record = backup.read();
  if (!record) return null;
  const current = JSON.stringify({ body: server?.body ?? "", internal: server?.internal ?? false });
  if (record.saved !== current || JSON.stringify(record.pending) === current || (record.sending && wasSent(record.pending.body))) {
    backup.remove();
    return null;
  }
  return record.pending;
}
