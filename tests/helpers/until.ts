/**
 * Poll `check` every 25 ms until it returns true (for conditions no event
 * announces, e.g. a file appearing); fail naming `what` after `ms`. No
 * imports: unit tests use it too.
 */
export async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
