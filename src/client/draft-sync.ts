import { apiFetch } from "./api-client";
import type { DraftBackup } from "./local-draft";
import { tabId } from "./tab-id";

/** Wait after the last keystroke before saving: a save per pause, not per key. */
export const DRAFT_SAVE_DELAY_MS = 600;

/**
 * Saves a reply box's text as the user types (debounced), newest last: a save
 * that is still in flight when the text changes again is followed by one more,
 * never overtaken by an older one. Failures keep the text in the box; the
 * next change or flush() tries again (the form flushes when the connection
 * is back). Until the server has the text, it is also kept in `backup`
 * (this browser's storage, ./local-draft.ts): a reload or a closed tab while
 * offline does not lose it.
 */
export class DraftSaver {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  private pending: { body: string; internal: boolean } | null = null;
  private lastSaved: string;

  constructor(
    private readonly ticketId: string,
    initial: { body: string; internal: boolean },
    private readonly onState: (state: "saved" | "failed") => void = () => {},
    private readonly backup?: DraftBackup,
  ) {
    this.lastSaved = JSON.stringify(initial);
  }

  /** The box changed. */
  change(body: string, internal: boolean): void {
    this.pending = { body, internal };
    this.keepLocally();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DRAFT_SAVE_DELAY_MS);
  }

  /** The text was replaced from elsewhere (another tab, or sent): nothing to save for it. */
  adopt(body: string, internal: boolean): void {
    this.lastSaved = JSON.stringify({ body, internal });
    this.pending = null;
    this.backup?.remove();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * About to send `text`: drop what is pending and wait for a save in flight,
   * so no save can land after the send and bring the spent draft back. The
   * local copy stays, marked as being sent, until the send is answered
   * (adopt, or change again when it failed).
   */
  async settle(text?: { body: string; internal: boolean }): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    if (text) this.backup?.write({ pending: text, saved: this.lastSaved, sending: true });
    if (this.inFlight) await this.inFlight.catch(() => {});
  }

  /** The local copy: what is pending, or none once the server has it. */
  private keepLocally(): void {
    if (!this.backup) return;
    if (!this.pending || JSON.stringify(this.pending) === this.lastSaved) this.backup.remove();
    else this.backup.write({ pending: this.pending, saved: this.lastSaved });
  }

  /** Save now what is pending (page hidden or closing). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight.catch(() => {});
    const next = this.pending;
    if (!next) return;
    this.pending = null;
    const serialized = JSON.stringify(next);
    if (serialized === this.lastSaved) return;
    this.inFlight = apiFetch(`/api/tickets/${encodeURIComponent(this.ticketId)}/draft`, {
      method: "PUT",
      json: { ...next, clientId: tabId() },
      keepalive: true,
    }).then(
      () => {
        this.lastSaved = serialized;
        // Whatever was typed during the save is still only here.
        this.keepLocally();
        this.onState("saved");
      },
      () => {
        // Keep it pending so the next change or flush tries again.
        this.pending ??= next;
        this.onState("failed");
      },
    );
    await this.inFlight;
    this.inFlight = null;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
