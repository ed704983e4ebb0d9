/**
 * @mentions in comment bodies, shared by the server (who to notify) and the
 * browser (chips in the thread, the picker in the comment form), so both
 * always agree on what counts as a mention.
 *
 * A mention is `@` + a staff member's handle, the local part of their email
 * (`@admin` is admin@example.com), matched case-insensitively. It must start
 * a word: the `@` inside an email address (`x@admin.com`) or a URL path
 * (`/@admin`) is not a mention, nor is `@admin@example.com` (an address).
 * Trailing punctuation ends it: "thanks @admin." mentions admin.
 *
 * Handles use the characters common in local parts: letters, digits, `.`,
 * `_`, `+` and `-`. A dot ends a sentence more often than it continues a
 * handle, so trailing dots are never part of one (no valid local part ends
 * with a dot anyway).
 */

/** One mention found in a text: `text.slice(start, end)` is "@" + the handle as written. */
export type MentionMatch = { handle: string; start: number; end: number };

const HANDLE_CHAR = /[A-Za-z0-9._+-]/;
/** Characters that, right before an `@`, make it part of an address or path rather than a mention. */
const GLUED_BEFORE = /[A-Za-z0-9._%+\-/@=:]/;

export const MAX_HANDLE_LENGTH = 64;

/** A staff member's handle: their email's local part, lower-cased. */
export function handleOf(email: string): string {
  const at = email.lastIndexOf("@");
  return (at < 0 ? email : email.slice(0, at)).toLowerCase();
}

export function isHandleChar(ch: string): boolean {
  return HANDLE_CHAR.test(ch);
}

/** Whether an `@` at `index` of `text` may start a mention (start of text, or after a non-address character). */
export function mayStartMention(text: string, index: number): boolean {
  return index === 0 || !GLUED_BEFORE.test(text[index - 1]!);
}

/** Every mention in `text`, in order (handles lower-cased). */
export function parseMentions(text: string): MentionMatch[] {
  const found: MentionMatch[] = [];
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    if (!mayStartMention(text, at)) continue;
    let end = at + 1;
    while (end < text.length && isHandleChar(text[end]!)) end++;
    // `@admin@example.com` is an address, not a mention of admin.
    if (text[end] === "@") {
      at = end - 1;
      continue;
    }
    while (end > at + 1 && text[end - 1] === ".") end--;
    const handle = text.slice(at + 1, end);
    if (handle.length === 0 || handle.length > MAX_HANDLE_LENGTH) continue;
    found.push({ handle: handle.toLowerCase(), start: at, end });
    at = end - 1;
  }
  return found;
}

/** The distinct handles mentioned in `text`, lower-cased, in order of first mention. */
export function mentionedHandles(text: string): string[] {
  return [...new Set(parseMentions(text).map((m) => m.handle))];
}

/** `text` cut into plain runs and mentions, for rendering (joined back, the parts are `text`). */
export type MentionSegment = { kind: "text"; text: string } | { kind: "mention"; text: string; handle: string };

export function splitMentions(text: string): MentionSegment[] {
  const segments: MentionSegment[] = [];
  let from = 0;
  for (const m of parseMentions(text)) {
    if (m.start > from) segments.push({ kind: "text", text: text.slice(from, m.start) });
    segments.push({ kind: "mention", text: text.slice(m.start, m.end), handle: m.handle });
    from = m.end;
  }
  if (from < text.length) segments.push({ kind: "text", text: text.slice(from) });
  return segments;
}
