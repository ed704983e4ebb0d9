/**
 * The notification centre's state: the newest notifications and the unread
 * count, changed by the list fetch and the user's room messages. Pure, so
 * the rules (no doubles, read state from any tab) are unit-tested.
 */
import type { NotificationDTO } from "../shared/dto";
import type { NotificationReadEvent } from "../shared/realtime";

export type NotificationState = { items: NotificationDTO[]; unread: number; loaded: boolean };

export type NotificationAction =
  /**
   * A fetched page. `receivedSince`: the live notifications that arrived while
   * it was in flight; the page may have been read before them, and replacing
   * the list with it alone lost them (and their unread count) until the next
   * reconnect. Each is added unless the page has it.
   */
  | { type: "loaded"; items: NotificationDTO[]; unread: number; receivedSince?: readonly NotificationDTO[] }
  | { type: "received"; notification: NotificationDTO }
  | { type: "read"; read: NotificationReadEvent; at: string };

export const INITIAL_NOTIFICATIONS: NotificationState = { items: [], unread: 0, loaded: false };

/** How many the panel keeps (as many as "Show more" reaches, the API's most); older ones are a fetch away. */
export const KEEP = 100;

const newestFirst = (a: NotificationDTO, b: NotificationDTO) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

export function notificationReducer(state: NotificationState, action: NotificationAction): NotificationState {
  switch (action.type) {
    case "loaded": {
      const page: NotificationState = { items: [...action.items].sort(newestFirst).slice(0, KEEP), unread: action.unread, loaded: true };
      return (action.receivedSince ?? []).reduce((s, notification) => notificationReducer(s, { type: "received", notification }), page);
    }
    case "received": {
      // The same notification may come twice (a fetch after reconnect raced the live message).
      if (state.items.some((n) => n.id === action.notification.id)) return state;
      const items = [action.notification, ...state.items].sort(newestFirst).slice(0, KEEP);
      return { ...state, items, unread: state.unread + (action.notification.readAt === null ? 1 : 0) };
    }
    case "read": {
      const { ids, unread, upTo } = action.read;
      const hit = ids !== "all" ? (n: NotificationDTO) => ids.includes(n.id) : upTo ? (n: NotificationDTO) => n.createdAt <= upTo : () => true;
      const items = state.items.map((n) => (n.readAt === null && hit(n) ? { ...n, readAt: action.at } : n));
      return { ...state, items, unread };
    }
  }
}

const COUNT_PREFIX = /^\(\d+\) /;

/** `title` with the unread count in front ("(3) Tickets · Tandem"), or without one when there is none. */
export function titleWithCount(title: string, unread: number): string {
  const base = title.replace(COUNT_PREFIX, "");
  return unread > 0 ? `(${unread}) ${base}` : base;
}
