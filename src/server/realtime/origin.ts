import type { Env } from "../env";

/**
 * Cross-site WebSocket hijacking guard. Browsers always send Origin on
 * WebSockets and cross-site requests, so a request without one is not another
 * site's page. With APP_URL configured only that origin is allowed; without
 * it (a local install) the page must come from the host it connects to, so
 * both http://localhost:3000 and http://127.0.0.1:3000 work.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, env: Pick<Env, "appOrigin" | "appUrlConfigured">): boolean {
  if (origin === undefined) return true;
  if (origin === env.appOrigin) return true;
  if (env.appUrlConfigured || !host) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host === host.toLowerCase();
  } catch {
    return false;
  }
}
