import "server-only";

const UNSAFE = /[\u0000-\u001f\u007f\\]/;

/**
 * next-auth's `redirect` callback: where the browser goes after signing in or
 * out. Only a path on this origin (or an absolute URL of this origin, which
 * next-auth's own client sends); anything else, including text `new URL`
 * cannot parse (next-auth's default callback throws on it, a 500), control
 * characters, backslashes and scheme-relative `//host`, goes to /tickets.
 */
export function safeRedirect(url: string, baseUrl: string): string {
  const home = `${baseUrl}/tickets`;
  if (typeof url !== "string" || UNSAFE.test(url) || url.startsWith("//")) return home;
  try {
    const base = new URL(baseUrl);
    const target = new URL(url, base);
    if (target.origin !== base.origin) return home;
    if (!url.startsWith("/") && !url.startsWith(`${base.origin}/`) && url !== base.origin) return home;
    return target.href;
  } catch {
    return home;
  }
}
