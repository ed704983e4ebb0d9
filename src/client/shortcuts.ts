/**
 * Keyboard shortcuts, as data: which key does what where. The layout's
 * <KeyboardShortcuts> listens once for the whole app and acts on the page's
 * marked elements; `?` lists these.
 */
export type Shortcut = { keys: string; does: string };

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: "/", does: "Focus the search box" },
  { keys: "j / k", does: "Next / previous ticket in the list" },
  { keys: "Enter", does: "Open the selected ticket" },
  { keys: "r", does: "Write a reply (on a ticket)" },
  { keys: "n", does: "Write an internal note (staff, on a ticket)" },
  { keys: "?", does: "Show these shortcuts" },
];

/** The reply box listens for this to switch mode and take focus (`r` / `n`). */
export const COMPOSE_EVENT = "tandem:compose";
export type ComposeDetail = { internal: boolean };

/** Keys typed into a field, or with a modifier, are the field's or the browser's, never ours. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
}

/** The next row index for `j`/`k` among `count` rows, from `current` (-1: none selected yet). */
export function stepRow(current: number, count: number, key: "j" | "k"): number {
  if (count === 0) return -1;
  if (current < 0) return key === "j" ? 0 : count - 1;
  return Math.min(count - 1, Math.max(0, current + (key === "j" ? 1 : -1)));
}
