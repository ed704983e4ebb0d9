import "server-only";
import type http from "node:http";
import { Readable } from "node:stream";
import compression from "compression";
import * as cannedReply from "../../app/api/canned-replies/[id]/route";
import * as cannedReplies from "../../app/api/canned-replies/route";
import * as account from "../../app/api/account/route";
import * as accountPassword from "../../app/api/account/password/route";
import * as audit from "../../app/api/audit/route";
import * as health from "../../app/api/health/route";
import * as invitesAccept from "../../app/api/invites/accept/route";
import * as mail from "../../app/api/mail/route";
import * as mailRetry from "../../app/api/mail/[id]/retry/route";
import * as notifications from "../../app/api/notifications/route";
import * as notificationsEmailSettings from "../../app/api/notifications/email-settings/route";
import * as notificationsRead from "../../app/api/notifications/read/route";
import * as notificationsSettings from "../../app/api/notifications/settings/route";
import * as ready from "../../app/api/ready/route";
import * as sessionsRevokeOthers from "../../app/api/sessions/revoke-others/route";
import * as settings from "../../app/api/settings/route";
import * as signup from "../../app/api/signup/route";
import * as passwordReset from "../../app/api/password-reset/route";
import * as tags from "../../app/api/tags/route";
import * as ticket from "../../app/api/tickets/[id]/route";
import * as ticketAttachments from "../../app/api/tickets/[id]/attachments/route";
import * as ticketComments from "../../app/api/tickets/[id]/comments/route";
import * as ticketDraft from "../../app/api/tickets/[id]/draft/route";
import * as ticketEvents from "../../app/api/tickets/[id]/events/route";
import * as ticketRead from "../../app/api/tickets/[id]/read/route";
import * as ticketTags from "../../app/api/tickets/[id]/tags/route";
import * as tickets from "../../app/api/tickets/route";
import * as unsubscribe from "../../app/api/unsubscribe/route";
import * as user from "../../app/api/users/[id]/route";
import * as userInvite from "../../app/api/users/[id]/invite/route";
import * as userPassword from "../../app/api/users/[id]/password/route";
import * as users from "../../app/api/users/route";
import * as usersStaff from "../../app/api/users/staff/route";
import * as view from "../../app/api/views/[id]/route";
import * as views from "../../app/api/views/route";
import { errorResponse } from "./route";
import { log } from "../log";

/**
 * The API's JSON routes, reads and writes, served by server.ts without Next's
 * request pipeline.
 *
 * A route handler is a plain function from a Web Request to a Response; Next
 * wraps each call in its router, request adapter (the body as a web stream
 * through undici), tracing, response piping and compression. For a comment
 * POST that wrapping cost more than the rest of the request: 10.9 and 11.1 ms
 * of server CPU per comment through Next, 6.4 and 5.9 ms served here, in
 * alternated runs of bench/comment-cost.ts (bench/findings.md, sixteenth
 * round). Reads pay it alike: a signed-in GET of one ticket took 12.2 ms of
 * server CPU through Next and 7.0 ms here, `/api/health` (every load
 * balancer's poll) 3.0 and 1.4 ms (embedded database, 1,500 requests one at
 * a time, builds alternated; bench/findings.md, twenty-second round).
 *
 * Answers are compressed as Next compresses them (the same `compression`
 * middleware, so lists and catch-up pages above 1 KB still travel gzipped or
 * brotli'd). Left to Next: file downloads (a streamed body with its declared
 * length, server.ts keepDeclaredLength), next-auth's routes (built on Next's
 * own request and cookie objects), file uploads (a streamed body whose
 * refusals depend on how Node and the handler leave it half read;
 * conversation-files and limits tests pin that behaviour down through Next),
 * HEAD (Next answers it from GET) and unknown API paths. In development Next
 * serves everything, so a route handler edited there reloads.
 * `direct-routes.test.ts` holds this table to the files under src/app/api.
 */
const ROUTES: [pattern: string, module: RouteModule][] = [
  ["/api/account", account],
  ["/api/account/password", accountPassword],
  ["/api/audit", audit],
  ["/api/canned-replies", cannedReplies],
  ["/api/canned-replies/:id", cannedReply],
  ["/api/health", health],
  ["/api/invites/accept", invitesAccept],
  ["/api/mail", mail],
  ["/api/mail/:id/retry", mailRetry],
  ["/api/notifications", notifications],
  ["/api/notifications/email-settings", notificationsEmailSettings],
  ["/api/notifications/read", notificationsRead],
  ["/api/notifications/settings", notificationsSettings],
  ["/api/password-reset", passwordReset],
  ["/api/ready", ready],
  ["/api/sessions/revoke-others", sessionsRevokeOthers],
  ["/api/settings", settings],
  ["/api/signup", signup],
  ["/api/tags", tags],
  ["/api/tickets", tickets],
  ["/api/tickets/:id", ticket],
  ["/api/tickets/:id/attachments", ticketAttachments],
  ["/api/tickets/:id/comments", ticketComments],
  ["/api/tickets/:id/draft", ticketDraft],
  ["/api/tickets/:id/events", ticketEvents],
  ["/api/tickets/:id/read", ticketRead],
  ["/api/tickets/:id/tags", ticketTags],
  ["/api/unsubscribe", unsubscribe],
  ["/api/users", users],
  ["/api/users/staff", usersStaff],
  ["/api/users/:id", user],
  ["/api/users/:id/invite", userInvite],
  ["/api/users/:id/password", userPassword],
  ["/api/views", views],
  ["/api/views/:id", view],
];

/** What may be served here; HEAD is not (Next answers it from a route's GET). */
export const DIRECT_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type DirectMethod = (typeof DIRECT_METHODS)[number];
/** Methods of the table's routes that stay with Next (see above): file uploads. */
const LEFT_TO_NEXT = new Set(["/api/tickets/:id/attachments POST"]);
// Route modules type their params precisely; the table only knows they are strings.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (req: Request, ctx: { params: Promise<any> }) => Promise<Response>;
type RouteModule = Partial<Record<DirectMethod, Handler>> & Record<string, unknown>;

type Compiled = { pattern: string; regex: RegExp; names: string[]; module: RouteModule };
const compiled: Compiled[] = ROUTES.map(([pattern, module]) => {
  const names: string[] = [];
  const source = pattern.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { pattern, regex: new RegExp(`^${source}$`), names, module };
});

function served(route: Compiled, method: DirectMethod): Handler | undefined {
  const handler = route.module[method];
  return typeof handler === "function" && !LEFT_TO_NEXT.has(`${route.pattern} ${method}`) ? handler : undefined;
}

/** The table's patterns and the methods served here (for the test that holds it to src/app/api). */
export const DIRECT_ROUTE_PATTERNS = compiled.map((route) => ({
  pattern: route.pattern,
  methods: DIRECT_METHODS.filter((m) => served(route, m)),
}));

export type DirectRoute = { handler: Handler; params: Record<string, string> };

/** The handler for `method` and `url`, or null to leave the request to Next. */
export function directRouteOf(method: string | undefined, url: string | undefined): DirectRoute | null {
  if (!DIRECT_METHODS.includes(method as DirectMethod) || !url?.startsWith("/api/")) return null;
  const pathname = url.split("?", 1)[0]!;
  for (const route of compiled) {
    const m = route.regex.exec(pathname);
    if (!m) continue;
    const handler = served(route, method as DirectMethod);
    if (!handler) return null; // Next answers: a 405 with the Allow header, or the upload it keeps
    const params: Record<string, string> = {};
    try {
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
    } catch {
      return null; // an undecodable segment: Next's refusal, as for any other route
    }
    return { handler, params };
  }
  return null;
}

const compress = compression();

/**
 * The request's body as a web stream that reads nothing until the handler
 * does. Node's own adapter (`Readable.toWeb`) starts reading at once, which
 * leaves a body the handler never wanted (a 401, a 404) paused half read, and
 * the connection's next request waiting behind it; untouched, Node discards
 * it when the response ends, as it does for Next.
 */
function lazyBody(req: http.IncomingMessage, onRead: () => void): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!reader) {
          onRead();
          reader = (Readable.toWeb(req) as ReadableStream<Uint8Array>).getReader();
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader?.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/**
 * Call `route` with the request as a Web Request (its body streamed, as
 * Next passes it) and write the Response: status, headers (each Set-Cookie
 * apart), the body with its length, or compressed (see below).
 */
export async function serveDirect(route: DirectRoute, req: http.IncomingMessage, res: http.ServerResponse, origin: string): Promise<void> {
  let bodyRead = false;
  try {
    let response: Response;
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      // A GET's body, if a client sent one, is never read (a Request cannot carry it): Node discards it.
      const request = new Request(origin + req.url, {
        method: req.method,
        headers,
        ...(req.method === "GET" ? {} : { body: lazyBody(req, () => (bodyRead = true)), duplex: "half" }),
      } as RequestInit & { duplex?: "half" });
      response = await route.handler(request, { params: Promise.resolve(route.params) });
    } catch (e) {
      response = errorResponse(e);
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (res.headersSent || res.destroyed) return;
    // Compressed as Next compresses (its router runs this middleware, an
    // older copy without brotli, with these defaults on everything it
    // answers): above 1 KB, when the client accepts it. The body is whole
    // here and ended at once below, so the compressor's stream always ends
    // (Next's router also has to release the ones a disconnect leaves open
    // in a streamed answer).
    // (Its typings name Express's request and response; it uses only Node's.)
    compress(req as unknown as Parameters<typeof compress>[0], res as unknown as Parameters<typeof compress>[1], () => {});
    // A body read in part (refused midway) would hold up the connection's next
    // request: close it (lingering, linger.ts). One never touched Node discards.
    if (bodyRead && !req.complete) res.setHeader("Connection", "close");
    res.statusCode = response.status;
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie") res.setHeader(name, value);
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) res.setHeader("Set-Cookie", cookies);
    res.setHeader("Content-Length", body.length);
    res.end(body);
  } catch (e) {
    // The Response itself failed (its body stream errored): a 500 if nothing
    // was sent yet, else the connection is cut so the client sees it broken.
    log.error({ err: e }, "[tandem] writing a response failed");
    if (res.headersSent || res.destroyed) return void res.destroy();
    const body = Buffer.from(JSON.stringify({ error: { code: "INTERNAL", message: "Something went wrong" } }));
    res.writeHead(500, { "Content-Type": "application/json", "Content-Length": body.length, Connection: "close" }).end(body);
  }
}
