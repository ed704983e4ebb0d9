/**
 * The @mention picker's logic, free of the DOM so it is unit-tested: what the
 * user is typing at the caret, which staff members match, and the text after
 * choosing one. The comment form wires it to its textarea (selectionStart)
 * and renders `items` as a listbox.
 */
import type { StaffRef } from "../shared/dto";
import { isHandleChar, mayStartMention } from "../shared/mentions";

/** The `@prefix` being typed: text.slice(start, end) is "@" + query (end is the caret). */
export type MentionQuery = { start: number; end: number; query: string };

export type MentionSuggestions = MentionQuery & { items: StaffRef[] };

/**
 * The mention being typed at `caret`, or null: an `@` where a mention may
 * start (not inside an email address), followed only by handle characters up
 * to the caret.
 */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  if (caret < 0 || caret > text.length) return null;
  let at = caret - 1;
  while (at >= 0 && isHandleChar(text[at]!)) at--;
  if (at < 0 || text[at] !== "@" || !mayStartMention(text, at)) return null;
  return { start: at, end: caret, query: text.slice(at + 1, caret) };
}

/**
 * Staff matching the `@prefix` at `caret`, or null when the caret is not in
 * one. A match starts the handle, or any word of the name, with the query
 * (case-insensitive); handle matches come first, then by name. An empty
 * query (just typed "@") lists everyone, up to `limit`.
 */
export function suggestMentions(text: string, caret: number, staff: readonly StaffRef[], limit = 6): MentionSuggestions | null {
  const q = mentionQueryAt(text, caret);
  if (!q) return null;
  const needle = q.query.toLowerCase();
  const byHandle = (s: StaffRef) => s.handle.startsWith(needle);
  const byName = (s: StaffRef) => s.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(needle));
  const items = staff
    .filter((s) => byHandle(s) || byName(s))
    .sort((a, b) => Number(byHandle(b)) - Number(byHandle(a)) || a.name.localeCompare(b.name))
    .slice(0, limit);
  return { ...q, items };
}

/**
 * `text` with the mention being typed (`query`, from suggestMentions or
 * mentionQueryAt) replaced by `@handle ` — and any handle characters right
 * after the caret, so choosing in the middle of a word replaces the word —
 * and the caret to put after it.
 */
export function insertMention(text: string, query: MentionQuery, handle: string): { text: string; caret: number } {
  let end = query.end;
  while (end < text.length && isHandleChar(text[end]!)) end++;
  const rest = text.slice(end);
  // One space after the mention, not two when one already follows.
  const inserted = `@${handle}${rest.startsWith(" ") ? "" : " "}`;
  return { text: text.slice(0, query.start) + inserted + rest, caret: query.start + inserted.length + (rest.startsWith(" ") ? 1 : 0) };
}
