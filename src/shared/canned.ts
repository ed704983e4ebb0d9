/**
 * Canned replies on the client and the server: placeholder expansion and the
 * reply box's `/query` picker. Pure functions, no I/O.
 */

/** What placeholders expand from: the ticket on screen and the staff member inserting. */
export type CannedContext = {
  requester: { name: string };
  ticket: { number: number; title: string };
  agent: { name: string };
};

/** The placeholders a canned reply may use, for the management page's help. */
export const CANNED_PLACEHOLDERS = ["requester.name", "requester.firstName", "ticket.number", "ticket.title", "agent.name"] as const;

function valueOf(name: string, ctx: CannedContext): string | undefined {
  switch (name) {
    case "requester.name":
      return ctx.requester.name;
    case "requester.firstName":
      return ctx.requester.name.trim().split(/\s+/)[0] ?? "";
    case "ticket.number":
      return String(ctx.ticket.number);
    case "ticket.title":
      return ctx.ticket.title;
    case "agent.name":
      return ctx.agent.name;
    default:
      return undefined;
  }
}

/**
 * Replace `{{placeholder}}` (spaces inside the braces allowed) with its value.
 * Unknown placeholders are left exactly as written, so a typo shows up in the
 * box instead of vanishing. Values are inserted literally: a requester named
 * "{{agent.name}}" is not expanded again.
 */
export function expandCanned(body: string, ctx: CannedContext): string {
  return body.replace(/\{\{\s*([A-Za-z.]+)\s*\}\}/g, (whole, name: string) => valueOf(name, ctx) ?? whole);
}

/**
 * The `/query` the reply box's picker filters by, or null when the picker
 * should be closed: the text starts with `/` and the caret is on that first
 * line (the query is the whole first line after the slash).
 */
export function slashQuery(text: string, caret: number | null): string | null {
  if (!text.startsWith("/")) return null;
  const end = text.indexOf("\n");
  const lineEnd = end === -1 ? text.length : end;
  if (caret !== null && caret > lineEnd) return null;
  return text.slice(1, lineEnd);
}

/** Replace the `/query` line with `expansion`; returns the new text and where the caret goes. */
export function insertCanned(text: string, expansion: string): { text: string; caret: number } {
  const end = text.indexOf("\n");
  const rest = end === -1 ? "" : text.slice(end);
  return { text: expansion + rest, caret: expansion.length };
}

/**
 * Replies whose title (or, failing that, text) contains every word of
 * `query`, case-insensitively; title matches first, then by title.
 */
export function filterCanned<T extends { title: string; body: string }>(replies: readonly T[], query: string): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const has = (s: string) => words.every((w) => s.toLowerCase().includes(w));
  const inTitle = replies.filter((r) => has(r.title));
  const inBody = replies.filter((r) => !has(r.title) && has(r.body));
  const byTitle = (a: T, b: T) => a.title.localeCompare(b.title);
  return [...inTitle.sort(byTitle), ...inBody.sort(byTitle)];
}
