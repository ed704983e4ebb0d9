import { apiFetch } from "./api-client";
import { tabId } from "./tab-id";

/** Wait after the last keystroke before saving: a save per pause, not per key. */
export const DRAFT_SAVE_DELAY_MS = 600;

/**
 * Saves a reply box's text as the user types (debounced), newest last: a save
 * that is still in flight when the text changes again is followed by one more,
 * never overtaken by an older one. Failures keep the text in the box; the
 * next change or flush() tries again.
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
  ) {
    this.lastSaved = JSON.stringify(initial);
  }

  /** The box changed. */
  change(body: string, internal: boolean): void {
    this.pending = { body, internal };
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DRAFT_SAVE_DELAY_MS);
  }

  /** The text was replaced from elsewhere (another tab, or sent): nothing to save for it. */
  adopt(body: string, internal: boolean): void {
    this.lastSaved = JSON.stringify({ body, internal });
    this.pending = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * About to send: drop what is pending and wait for a save in flight, so no
   * save can land after the send and bring the spent draft back.
   */
  async settle(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    if (this.inFlight) await this.inFlight.catch(() => {});
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
