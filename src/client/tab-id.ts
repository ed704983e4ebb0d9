/**
 * This tab's id, sent with what it saves so the server's echo to the user's
 * other tabs (drafts) can be told apart from its own. Random per page load.
 */
let id: string | null = null;
export function tabId(): string {
  if (!id) {
    const b = crypto.getRandomValues(new Uint8Array(12));
    id = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }
  return id;
}
