/**
 * Property-based fuzzing of every API body, query, path id and socket
 * payload against the real server (production build), with fast-check.
 *
 * For every case: the answer is below 500 (a 4xx carries the standard
 * `{ error: { code, message } }` body), the process stays up and answers
 * /api/health, and nothing partial is written: a refused request changes no
 * count, an accepted one creates exactly one complete record with its event.
 *
 * Runs are seeded: FUZZ_SEED (default below) replays a failure, whose seed
 * and path fast-check prints; FUZZ_RUNS scales the number of cases.
 *
 * New endpoints are one line each in ENDPOINTS (e.g. PATCH /api/users/:id:
 * `{ name, as, request: jsonRequest("PATCH", (c) => `/api/users/${c.bobId}`, ZValidPatch), effect: readOnly }`).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import WebSocket from "ws";
import type { AttachmentDTO, CommentDTO, Page, TicketDTO } from "../../src/shared/dto";
import { type ClientSocket, connectSocket, signIn, startServer, type TestServer } from "../helpers/server";
import { freePort } from "../helpers/services";

/**
 * A fixed seed by default, so every CI run replays the same cases and a red
 * run is never luck; `FUZZ_SEED=random` draws a new one (shown in the suite
 * names) to explore further.
 */
const SEED = process.env.FUZZ_SEED === "random" ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 20261123);
/**
 * Cases per endpoint. Not fewer: with the surrogate rule removed from text(),
 * the PATCH and comment properties fail only after 63 and 75 cases with the
 * default seed (50 would pass them). Deeper runs: `FUZZ_RUNS=500 FUZZ_SEED=random`.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
/**
 * Abuse limits raised so the fuzzer reaches the handlers instead of the
 * limiters (they have their own suite). Unknown names are ignored by env.ts.
 */
const FUZZ_ENV: Record<string, string> = {
  MAX_UPLOAD_MB: "1",
  SOCKET_RATE_LIMIT: "100000",
  SOCKET_USER_EVENT_LIMIT: "1000000",
  // Frames that kill a connection leave it counted until the server notices; under load that lags.
  SOCKET_MAX_PER_USER: "100000",
  SOCKET_MAX_PER_ADDRESS: "100000",
  TICKET_CREATE_LIMIT: "1000000",
  COMMENT_CREATE_LIMIT: "1000000",
  UPLOAD_LIMIT: "1000000",
  SIGNIN_MAX_CONSECUTIVE_FAILS: "10000",
  SIGNIN_MAX_FAILS_PER_IP_DAY: "1000000",
};
/** Socket.IO's maxHttpBufferSize on the server: bigger packets close the connection by design. */
const SOCKET_BUFFER = 16 * 1024;

type Who = "alice" | "agent" | "admin" | "anonymous";
type Ctx = {
  url: string;
  cookies: Record<Exclude<Who, "anonymous">, string>;
  /** One ticket of alice's per write endpoint, so their counts do not mix. */
  ids: { create: string; update: string; aliceComment: string; agentComment: string; attach: string; read: string };
  /** A requester the admin fuzzes user changes on. */
  bobId: string;
  uploads: string;
};
type FuzzRequest = { method: string; path: string; headers: Record<string, string>; body?: Uint8Array };
type Reply = { status: number; text: string; json: unknown; setCookie: string[] };

let server: TestServer;
let ctx: Ctx;

// ---------------------------------------------------------------------------
// Wire encoding: lone surrogates must reach the server as the bytes a
// hostile client would send, which TextEncoder and encodeURIComponent refuse
// to produce.

/** UTF-8, except that an unpaired surrogate becomes its 3-byte (WTF-8) form, e.g. ED A0 80. */
function wtf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** Percent-encode bytes (everything but RFC 3986 unreserved characters). */
function pct(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  return s;
}
const pctString = (s: string) => pct(wtf8(s));

// ---------------------------------------------------------------------------
// Arbitraries

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const withLoneSurrogate = fc.tuple(fc.string({ maxLength: 8 }), loneSurrogate, fc.string({ maxLength: 8 })).map((p) => p.join(""));

/** Strings a hostile client would try: binary, graphemes, lone surrogates, NULs, escapes, overlong. */
const nastyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
  withLoneSurrogate,
  fc.constantFrom(
    "", " ", "\u0000", "a\u0000b", "\ud800", "\udfff", "\udc00\ud800", "%", "%FF", "%ED%A0%80", "%00", "\\", "../../etc/passwd",
    "__proto__", "constructor", "prototype", "toString", "\u202e\u0000", "\ufeff", "\uffff", "x".repeat(300), "😀".repeat(101),
    "' OR 1=1 --", "%_%", "<script>", "$where", "null", "NaN", "-1", "1e400",
  ),
);

const nastyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, -1, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 2 ** 53 + 2, 3e9, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE),
);

/** Any JSON-able value, nesting included; JSON.stringify turns NaN/undefined into null or nothing. */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 2, arbitrary: nastyNumber },
  { weight: 3, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { __proto__: null }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }).map((n) => JSON.parse("[".repeat(n) + "]".repeat(n)) as unknown) },
);

/** JSON text of an object with these entries, keys written as given (so `__proto__` and duplicates survive). */
function objectText(entries: Array<[string, unknown]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`;
}

/**
 * Bodies for a JSON endpoint: valid ones (so the accepted path is fuzzed
 * too), valid ones with one field replaced or added (prototype keys,
 * duplicates, wrong types, lone surrogates), arbitrary values, deep nesting,
 * and raw text or bytes that are not JSON or not UTF-8.
 */
function jsonBodies(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Uint8Array> {
  const key = fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "title", "description", "body", "internal", "status", "priority", "assigneeId", "version", "requesterId", "id"), fc.string({ maxLength: 10 }));
  const mutated = fc
    .tuple(valid, key, nastyValue, fc.constantFrom("replace", "add", "duplicate"))
    .map(([obj, k, v, how]) => {
      const entries = Object.entries(obj);
      if (how === "replace" && entries.length > 0) entries[Math.abs(k.length) % entries.length]![1] = v;
      else if (how === "duplicate" && entries.length > 0) entries.push([entries[0]![0], v]);
      else entries.push([k, v]);
      return objectText(entries);
    });
  // A valid body but for one lone surrogate (or NUL) inside one of its strings:
  // the input most likely to get past validation and fail in the database.
  const spliced = fc.tuple(valid, fc.nat(), fc.nat(), fc.oneof(loneSurrogate, fc.constant("\u0000"))).map(([obj, which, at, bad]) => {
    const entries = Object.entries(obj);
    const strings = entries.filter(([, v]) => typeof v === "string");
    if (strings.length > 0) {
      const entry = strings[which % strings.length]!;
      const s = entry[1] as string;
      const i = at % (s.length + 1);
      entry[1] = s.slice(0, i) + bad + s.slice(i);
    }
    return objectText(entries);
  });
  const text = fc.oneof(
    { weight: 6, arbitrary: valid.map((o) => JSON.stringify(o)) },
    { weight: 3, arbitrary: spliced },
    // The same with the surrogate written raw, not escaped: WTF-8 bytes, i.e. invalid UTF-8, on the wire.
    { weight: 1, arbitrary: spliced.map((t) => t.replace(/\\u(d[89a-f][0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))) },
    { weight: 6, arbitrary: mutated },
    { weight: 2, arbitrary: nastyValue.map((v) => JSON.stringify(v) ?? "") },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => "[".repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom("", "{", "}", "nul", "1e999999", "-", '{"a":1}x', "\ufeff{}", '{"title":"\\ud800"}', '"\\u0000"') },
  );
  // Raw lone surrogates inside the text become invalid UTF-8 bytes on the wire (wtf8).
  const bytes = text.map(wtf8);
  const broken = fc.tuple(bytes, fc.nat(), fc.integer({ min: 0x80, max: 0xff })).map(([b, at, byte]) => {
    const i = b.length === 0 ? 0 : at % b.length;
    return Uint8Array.from([...b.slice(0, i), byte, ...b.slice(i)]);
  });
  return fc.oneof({ weight: 8, arbitrary: bytes }, { weight: 1, arbitrary: broken }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) });
}

/** Printable ASCII characters (what a header like Content-Type may carry through fetch). */
const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));

const jsonContentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  { weight: 2, arbitrary: fc.constantFrom("application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/jsonx", "application/json; charset=latin1", "") },
  // Printable ASCII: fetch itself refuses control characters in Content-Type.
  { weight: 1, arbitrary: fc.string({ unit: printable, maxLength: 30 }) },
);

/** A header value fetch will send: latin1 without CR, LF, NUL. */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 });
/** Sometimes one more header a hostile client might send. */
const extraHeaders = fc.option(
  fc.tuple(fc.constantFrom("accept", "accept-language", "accept-encoding", "content-encoding", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-for", "if-none-match", "range", "cookie"), headerValue).map(([k, v]) => ({ [k]: v })),
  { freq: 4 },
);

/** A path id: usually the real one, else undecodable, hostile or just wrong. */
function pathId(real: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(real) },
    { weight: 2, arbitrary: nastyString.map(pctString) },
    { weight: 2, arbitrary: fc.constantFrom("%FF", "%ED%A0%80", "%", "%zz", "%00", "%C0%AF", "a%2Fb", "%2e%2e", "x".repeat(65), "nope", `${real}%00`, `${real}%FF`) },
  );
}

/** A query string: known and unknown keys with hostile values, encoded properly or not. */
function queryString(keys: string[], value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const k = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
  const encoded = fc.oneof(
    { weight: 4, arbitrary: value.map(pctString) },
    { weight: 1, arbitrary: fc.constantFrom("%FF", "%ED%A0%80", "%", "%zz", "%00", "+", "%C3", "a&b", "") },
  );
  return fc.array(fc.tuple(k.map(pctString), encoded), { maxLength: 4 }).map((pairs) => pairs.map(([a, b]) => `${a}=${b}`).join("&"));
}

function req(method: string, p: string, headers: Record<string, string> = {}, body?: Uint8Array): FuzzRequest {
  return { method, path: p, headers, body };
}

/** A request to a JSON endpoint with fuzzed body, content type, id and one extra header. */
function jsonRequest(method: string, at: (c: Ctx, id: (real: string) => fc.Arbitrary<string>) => fc.Arbitrary<string>, valid: fc.Arbitrary<Record<string, unknown>>) {
  return (c: Ctx) =>
    fc
      .record({ p: at(c, pathId), body: jsonBodies(valid), type: jsonContentType, extra: extraHeaders })
      .map(({ p, body, type, extra }) => req(method, p, { ...(type ? { "content-type": type } : {}), ...extra }, body));
}

const validText = (min: number, max: number) => fc.string({ unit: "grapheme", minLength: min, maxLength: max }).filter((s) => s.trim().length >= min);
const validTicket = fc.record({ title: validText(3, 40), description: validText(1, 80), priority: fc.constantFrom("LOW", "MEDIUM", "HIGH", "URGENT") });
// Any subset of the fields (an empty one or a bare version is refused: nothing
// to change); a version, mostly stale (409), only now and then.
const updateFields = {
  status: fc.constantFrom("OPEN", "IN_PROGRESS", "WAITING", "RESOLVED", "CLOSED"),
  priority: fc.constantFrom("LOW", "MEDIUM", "HIGH", "URGENT"),
  title: validText(3, 40),
  assigneeId: fc.constant(null),
};
const validUpdate = fc.oneof(
  { weight: 3, arbitrary: fc.record(updateFields, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record({ ...updateFields, version: fc.integer({ min: 1, max: 400 }) }, { requiredKeys: [] }) },
);
/** Admin changes to bob (a requester): never deactivated, so his row stays a target. */
const validUserUpdate = fc.record({ name: validText(1, 40), role: fc.constantFrom("REQUESTER", "AGENT", "ADMIN"), active: fc.constant(true) }, { requiredKeys: [] });
const validComment = fc.record({ body: validText(1, 80), internal: fc.boolean() });
const validPassword = validText(8, 40);
const validNewUser = fc.record({ email: fc.emailAddress(), name: validText(1, 40), role: fc.constantFrom("REQUESTER", "AGENT", "ADMIN"), password: validPassword }, { requiredKeys: ["email", "name", "role"] });
const validReset = fc.record({ password: validPassword });
const validSettings = fc.record({ signupEnabled: fc.boolean(), requesterPriorities: fc.uniqueArray(fc.constantFrom("LOW", "MEDIUM", "HIGH", "URGENT"), { minLength: 1 }) }, { requiredKeys: [] });
const validSignUp = fc.record({ name: validText(1, 40), email: fc.emailAddress(), password: validPassword });
const validAccept = fc.record({ token: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), password: validPassword });
const validPasswordChange = fc.record({ currentPassword: validPassword, newPassword: validPassword });
const validCanned = fc.record({ title: validText(1, 40), body: validText(1, 200), shared: fc.boolean() });
// Mostly plain names, some that normalize ("  VIP  ", any letters), few enough to hit duplicates.
const tagName = fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,6}$/), fc.constantFrom("VIP", "  Billing Issue ", "größe", "東京"));
const validTags = fc.record({ add: fc.array(tagName, { maxLength: 3 }), remove: fc.array(tagName, { maxLength: 3 }) }, { requiredKeys: [] });

/** Multipart bodies: a valid one-file upload, then hostile names, headers, framing and bytes. */
function multipartRequest(c: Ctx) {
  const name = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("notes.txt", "résumé.pdf", "😀.png", "a b.txt", `${"a".repeat(254)}😀.png`) },
    { weight: 3, arbitrary: nastyString },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 250, maxLength: 260 }) },
  );
  const disposition = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom("file", "file", "files", "", "__proto__"), name).map(([f, n]) => ({ head: `form-data; name="${f}"; filename="${n.replace(/"/g, "%22")}"`, raw: true })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom("utf-8", "UTF-8", "utf-16le", "iso-8859-1", "x-unknown", ""), nastyString).map(([cs, n]) => ({ head: `form-data; name="file"; filename*=${cs}''${pctString(n)}`, raw: false })) },
    { weight: 1, arbitrary: fc.constantFrom(`form-data; name="file"`, `form-data; name=file; filename=`, `form-data`, `attachment; filename="x"`, `form-data; name="file"; filename="x`).map((head) => ({ head, raw: false })) },
  );
  const boundary = fc.oneof({ weight: 5, arbitrary: fc.constant("fuzzboundary") }, { weight: 1, arbitrary: fc.string({ unit: printable, maxLength: 80 }).map((s) => s.replace(/"/g, "")) });
  return fc
    .record({
      id: pathId(c.ids.attach),
      disposition,
      boundary,
      partType: fc.oneof(fc.constantFrom("text/plain", "image/svg+xml", "text/html", ""), headerValue),
      content: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.constant(new Uint8Array(0))),
      framing: fc.constantFrom("ok", "ok", "ok", "truncated", "no-close", "garbage"),
      type: fc.oneof({ weight: 6, arbitrary: fc.constant("multipart/form-data") }, { weight: 1, arbitrary: fc.constantFrom("multipart/mixed", "application/json", "text/plain", "MULTIPART/FORM-DATA") }),
      extra: extraHeaders,
    })
    .map(({ id, disposition, boundary, partType, content, framing, type, extra }) => {
      // Filenames as a browser sends them: raw bytes (lone surrogates as WTF-8, i.e. invalid UTF-8).
      const head = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: `),
        disposition.raw ? Buffer.from(wtf8(disposition.head)) : Buffer.from(disposition.head, "latin1"),
        Buffer.from(`\r\n${partType ? `Content-Type: ${partType}\r\n` : ""}\r\n`, "latin1"),
      ]);
      const tail = Buffer.from(framing === "no-close" ? "" : `\r\n--${boundary}--\r\n`);
      let body = Buffer.concat([head, Buffer.from(content), tail]);
      if (framing === "truncated") body = body.subarray(0, Math.floor(body.length / 2));
      if (framing === "garbage") body = Buffer.from(content);
      return req("POST", `/api/tickets/${id}/attachments`, { "content-type": `${type}; boundary=${boundary}`, ...extra }, body);
    });
}

/** next-auth's credentials callback as a form post (usually), with a real CSRF token or not. */
function credentialsRequest(csrf: { token: string; cookie: string }) {
  return (_c: Ctx) =>
    fc
      .record({
        csrfToken: fc.oneof({ weight: 4, arbitrary: fc.constant(csrf.token) }, { weight: 1, arbitrary: nastyString }),
        email: fc.oneof(fc.constantFrom("alice@example.com", "ALICE@example.com "), nastyString),
        password: fc.oneof(fc.constantFrom("password", "wrong"), nastyString),
        callbackUrl: fc.option(fc.oneof(fc.constantFrom("/tickets", "/tickets/abc", "http://evil.example/", "//evil.example", "/\\evil", "javascript:alert(1)", "http://[::1", "%", "/%FF"), nastyString)),
        json: fc.constantFrom("true", "false", undefined),
        extraKey: fc.option(fc.tuple(nastyString, nastyString)),
        asJson: fc.boolean(),
        raw: fc.option(fc.uint8Array({ maxLength: 60 }), { freq: 8 }),
        extra: extraHeaders,
      })
      .map(({ raw, asJson, extraKey, extra, ...fields }) => {
        const entries = Object.entries(fields).filter(([, v]) => v !== undefined && v !== null) as Array<[string, string]>;
        if (extraKey) entries.push(extraKey);
        const headers = { cookie: csrf.cookie, ...extra };
        if (raw) return req("POST", "/api/auth/callback/credentials", { ...headers, "content-type": "application/x-www-form-urlencoded" }, raw);
        if (asJson) return req("POST", "/api/auth/callback/credentials", { ...headers, "content-type": "application/json" }, wtf8(objectText(entries)));
        const form = entries.map(([k, v]) => `${pctString(k)}=${pctString(v)}`).join("&");
        return req("POST", "/api/auth/callback/credentials", { ...headers, "content-type": "application/x-www-form-urlencoded" }, Buffer.from(form));
      });
}

// ---------------------------------------------------------------------------
// Talking to the server

async function send(r: FuzzRequest, who: Who): Promise<Reply> {
  const res = await fetch(`${ctx.url}${r.path}`, {
    method: r.method,
    redirect: "manual",
    // State-changing requests come from the app's own origin (APP_URL), as the browser sends them.
    headers: { origin: ctx.url, ...(who === "anonymous" ? {} : { cookie: ctx.cookies[who] }), ...r.headers },
    body: r.body as Uint8Array<ArrayBuffer> | undefined,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, setCookie: res.headers.getSetCookie() };
}

async function get<T>(p: string, who: Exclude<Who, "anonymous"> = "agent"): Promise<T> {
  const r = await send(req("GET", p), who);
  assert.equal(r.status, 200, `GET ${p}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json as T;
}

function assertErrorBody(r: Reply, what: string) {
  const e = (r.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  assert.ok(e && typeof e.code === "string" && typeof e.message === "string" && e.message.length > 0, `${what}: ${r.status} without the standard error body: ${r.text.slice(0, 300)}`);
}

async function assertAlive(what: string) {
  assert.equal(server.proc.exitCode, null, `server exited after ${what}:\n${server.output().slice(-3000)}`);
  const health = await fetch(`${ctx.url}/api/health`);
  assert.equal(health.status, 200, `health after ${what}`);
}

/** Files in the uploads dir (blobs, then what is left in tmp/). */
function uploadFiles(): { blobs: number; tmp: number } {
  const list = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isFile()).length : 0);
  return { blobs: list(ctx.uploads), tmp: list(path.join(ctx.uploads, "tmp")) };
}

/** Everything a write could touch, as the agent sees it. */
async function fingerprint() {
  const newest = (await get<Page<TicketDTO>>("/api/tickets?sort=created_desc&limit=1")).items[0]?.id;
  const tickets: Record<string, unknown> = {};
  for (const id of new Set(Object.values(ctx.ids))) {
    const t = await get<TicketDTO>(`/api/tickets/${id}`);
    const comments = (await get<{ items: CommentDTO[] }>(`/api/tickets/${id}/comments`)).items.length;
    const attachments = (await get<{ items: AttachmentDTO[] }>(`/api/tickets/${id}/attachments`)).items.length;
    tickets[id] = { version: t.version, lastSeq: t.lastSeq, title: t.title, status: t.status, priority: t.priority, comments, attachments };
  }
  return { newest, tickets, files: uploadFiles() };
}

// ---------------------------------------------------------------------------
// What each endpoint may write, checked around every case

type Effect<S = unknown> = {
  /** What the endpoint could change. Read after every case and reused as the next case's "before". */
  state(): Promise<S>;
  /** Refused means nothing changed; accepted means exactly one complete record (with its event). */
  verify(before: S, now: S, reply: Reply): Promise<void>;
};

/**
 * An admin's change to a user: accepted means the answer is the whole user
 * as now stored; refused means the user is as before. There is no user read
 * endpoint yet, so an accepted empty-looking change is read back through a
 * second, valid PATCH of the same name.
 */
const userUpdated: Effect<string> = {
  async state() {
    const res = await fetch(`${ctx.url}/api/users/${ctx.bobId}`, {
      method: "PATCH",
      headers: { origin: ctx.url, cookie: ctx.cookies.admin, "content-type": "application/json" },
      body: JSON.stringify({ active: true }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return JSON.stringify(await res.json());
  },
  async verify(before, now, reply) {
    if (reply.status !== 200) return assert.equal(now, before, "a refused user change changed the user");
    const user = reply.json as { id: string; name: string; role: string; active: boolean; email: string };
    assert.equal(user.id, ctx.bobId);
    assert.equal(JSON.stringify(user), now, "the stored user is what the 200 said");
  },
};

/** Reads write nothing: compared once around the whole run (cheap), not per case. */
const readOnly: Effect = { state: async () => undefined, verify: async () => undefined };

const ticketCreated: Effect<string | undefined> = {
  state: async () => (await get<Page<TicketDTO>>("/api/tickets?sort=created_desc&limit=1")).items[0]?.id,
  async verify(before, newest, reply) {
    if (reply.status !== 201) return assert.equal(newest, before, "a refused ticket left a row");
    const created = reply.json as TicketDTO;
    assert.equal(newest, created.id);
    // Read as staff (the agent), who also see its tags: none on a new ticket, and none in a requester's 201.
    const { tags, ...stored } = await get<TicketDTO>(`/api/tickets/${created.id}`);
    assert.deepEqual(tags, []);
    const { tags: _answered, ...answered } = created;
    assert.deepEqual(stored, answered, "the stored ticket is what the 201 said");
    const events = await get<{ items: Array<{ type: string; seq: number }> }>(`/api/tickets/${created.id}/events`);
    assert.deepEqual(events.items.map((e) => [e.type, e.seq]), [["ticket:created", 1]], "one ticket:created event");
  },
};

type TicketState = { version: number; lastSeq: number; title: string; status: string; priority: string; assignee: unknown };
function ticketState(t: TicketDTO): TicketState {
  return { version: t.version, lastSeq: t.lastSeq, title: t.title, status: t.status, priority: t.priority, assignee: t.assignee };
}
const ticketUpdated: Effect<TicketState> = {
  state: async () => ticketState(await get<TicketDTO>(`/api/tickets/${ctx.ids.update}`)),
  async verify(before, now, reply) {
    if (reply.status !== 200) return assert.deepEqual(now, before, "a refused update changed the ticket");
    const changed = now.version !== before.version;
    assert.equal(now.version, before.version + (changed ? 1 : 0));
    assert.equal(now.lastSeq, before.lastSeq + (changed ? 1 : 0), "one event per applied change");
    assert.deepEqual(ticketState(reply.json as TicketDTO), now, "the 200 is the stored ticket");
  },
};

const MAY_ACCEPT_NOTHING = new Set(["PATCH /api/tickets/:id (requester)", "POST /api/tickets/:id/tags (requester)"]);

/** Tags: accepted means the answer's tags are the stored ones, one event if anything changed, and the version never moves. */
const tagsChanged: Effect<{ tags: string[]; lastSeq: number; version: number }> = {
  async state() {
    const t = await get<TicketDTO>(`/api/tickets/${ctx.ids.update}`);
    return { tags: t.tags ?? [], lastSeq: t.lastSeq, version: t.version };
  },
  async verify(before, now, reply) {
    if (reply.status !== 200) return assert.deepEqual(now, before, "refused tags changed the ticket");
    assert.deepEqual((reply.json as TicketDTO).tags, now.tags, "the 200 has the stored tags");
    assert.equal(now.version, before.version, "tags never move the version");
    const changed = JSON.stringify(now.tags) !== JSON.stringify(before.tags);
    assert.equal(now.lastSeq, before.lastSeq + (changed ? 1 : 0), "one event per applied change, none for no change");
  },
};

function commentAdded(which: "aliceComment" | "agentComment"): Effect<{ comments: number; lastSeq: number }> {
  return {
    state: async () => ({
      comments: (await get<{ items: CommentDTO[] }>(`/api/tickets/${ctx.ids[which]}/comments`)).items.length,
      lastSeq: (await get<TicketDTO>(`/api/tickets/${ctx.ids[which]}`)).lastSeq,
    }),
    async verify(before, now, reply) {
      if (reply.status !== 201) return assert.deepEqual(now, before, "a refused comment left a row or an event");
      assert.deepEqual(now, { comments: before.comments + 1, lastSeq: before.lastSeq + 1 });
      const comment = reply.json as CommentDTO;
      const events = await get<{ items: Array<{ type: string; data: { comment?: CommentDTO } }> }>(`/api/tickets/${ctx.ids[which]}/events?after=${before.lastSeq}`);
      assert.deepEqual(events.items.map((e) => e.data.comment?.id), [comment.id], "its comment:added event");
    },
  };
}

const attachmentAdded: Effect<{ attachments: number; lastSeq: number; files: { blobs: number; tmp: number } }> = {
  async state() {
    return {
      attachments: (await get<{ items: AttachmentDTO[] }>(`/api/tickets/${ctx.ids.attach}/attachments`)).items.length,
      lastSeq: (await get<TicketDTO>(`/api/tickets/${ctx.ids.attach}`)).lastSeq,
      files: uploadFiles(),
    };
  },
  async verify(before, now, reply) {
    assert.equal(now.files.tmp, 0, "no temporary upload left behind");
    if (reply.status !== 201) return assert.deepEqual(now, before, "a refused upload left a row, an event or a file");
    assert.deepEqual(now, { attachments: before.attachments + 1, lastSeq: before.lastSeq + 1, files: { blobs: before.files.blobs + 1, tmp: 0 } });
    const a = reply.json as AttachmentDTO;
    const download = await fetch(`${ctx.url}/api/attachments/${a.id}`, { headers: { cookie: ctx.cookies.agent } });
    assert.equal(download.status, 200);
    assert.equal((await download.arrayBuffer()).byteLength, a.size, "the stored bytes are whole");
  },
};

/** Sign-in writes nothing; a session only ever comes from the right password. */
const signInOnly: Effect = {
  state: async () => undefined,
  async verify(_before, _now, reply) {
    if (reply.setCookie.some((c) => /session-token=[^;]+/.test(c))) {
      assert.ok(reply.status < 400, `a session cookie with status ${reply.status}`);
    }
  },
};

type Endpoint = {
  name: string;
  as: Who;
  request: (c: Ctx) => fc.Arbitrary<FuzzRequest>;
  effect: Effect;
  /** Whether 4xx answers come from our handlers (standard error body) rather than next-auth's own. */
  ours?: boolean;
  runs?: number;
};

const READ_QUERY_KEYS = ["status", "priority", "assignee", "q", "sort", "cursor", "limit"];
const cursorValue = fc.oneof(
  nastyString,
  fc.record({ v: fc.oneof(nastyString, fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toISOString())), nastyNumber), id: fc.oneof(nastyString, fc.constant("abc")) }, { requiredKeys: [] }).map((c) => Buffer.from(JSON.stringify(c)).toString("base64url")),
  fc.anything().map((v) => Buffer.from(JSON.stringify(v) ?? "").toString("base64url")),
);

/**
 * Every route under src/app/api that takes input. Append new endpoints here,
 * one line each.
 */
function endpoints(csrf: { token: string; cookie: string }): Endpoint[] {
  return [
    { name: "POST /api/tickets", as: "alice", request: jsonRequest("POST", () => fc.constant("/api/tickets"), validTicket), effect: ticketCreated },
    { name: "PATCH /api/tickets/:id (agent)", as: "agent", request: jsonRequest("PATCH", (c, id) => id(c.ids.update).map((i) => `/api/tickets/${i}`), validUpdate), effect: ticketUpdated },
    { name: "PATCH /api/tickets/:id (requester)", as: "alice", request: jsonRequest("PATCH", (c, id) => id(c.ids.update).map((i) => `/api/tickets/${i}`), validUpdate), effect: ticketUpdated, runs: Math.ceil(RUNS / 2) },
    { name: "POST /api/tickets/:id/comments (requester)", as: "alice", request: jsonRequest("POST", (c, id) => id(c.ids.aliceComment).map((i) => `/api/tickets/${i}/comments`), validComment), effect: commentAdded("aliceComment") },
    { name: "POST /api/tickets/:id/comments (agent)", as: "agent", request: jsonRequest("POST", (c, id) => id(c.ids.agentComment).map((i) => `/api/tickets/${i}/comments`), validComment), effect: commentAdded("agentComment"), runs: Math.ceil(RUNS / 2) },
    { name: "POST /api/tickets/:id/attachments", as: "alice", request: multipartRequest, effect: attachmentAdded },
    {
      name: "GET /api/tickets?…",
      as: "alice",
      request: () => fc.tuple(queryString(READ_QUERY_KEYS, fc.oneof(nastyString, fc.constantFrom("OPEN", "HIGH", "me", "none", "created_asc", "10", "0", "101", "0x10", "1e400")) as fc.Arbitrary<string>), cursorValue, fc.boolean(), extraHeaders).map(([q, cursor, withCursor, extra]) => req("GET", `/api/tickets?${q}${withCursor ? `&cursor=${pctString(cursor)}` : ""}`, extra ?? {})),
      effect: readOnly,
    },
    {
      name: "GET /api/tickets/:id/events?after=",
      as: "alice",
      request: (c) => fc.tuple(pathId(c.ids.read), queryString(["after"], fc.oneof(nastyString, nastyNumber.map(String), fc.constantFrom("1", "0", "-1", "1.5", "99999999999", "9007199254740993", " 2", "")))).map(([id, q]) => req("GET", `/api/tickets/${id}/events?${q}`)),
      effect: readOnly,
    },
    {
      name: "GET /api/:resource/:id (ticket, comments, attachments, download)",
      as: "alice",
      request: (c) => fc.tuple(fc.constantFrom("/api/tickets/ID", "/api/tickets/ID/comments", "/api/tickets/ID/attachments", "/api/attachments/ID", "/api/users/staff", "/api/health", "/api/ready", "/tickets/ID"), pathId(c.ids.read), extraHeaders).map(([p, id, extra]) => req("GET", p.replace("ID", id), extra ?? {})),
      effect: readOnly,
    },
    {
      name: "any method on any API route, signed out",
      as: "anonymous",
      request: (c) => fc.tuple(fc.constantFrom("GET", "POST", "PATCH", "PUT", "DELETE"), fc.constantFrom("/api/tickets", "/api/tickets/ID", "/api/tickets/ID/comments", "/api/tickets/ID/attachments", "/api/tickets/ID/events", "/api/attachments/ID", "/api/users/staff", "/api/users/ID", "/api/users/ID/invite", "/api/sessions/revoke-others", "/api/canned-replies", "/api/canned-replies/ID"), pathId(c.ids.read), jsonBodies(validTicket), headerValue).map(([m, p, id, body, cookie]) => req(m, p.replace("ID", id), { "content-type": "application/json", cookie: `next-auth.session-token=${cookie}` }, m === "GET" ? undefined : body)),
      effect: readOnly,
    },
    {
      name: "writes to pages and unknown paths (no Server Actions)",
      as: "alice",
      request: (c) =>
        fc
          .tuple(fc.constantFrom("POST", "PUT", "PATCH", "DELETE"), fc.constantFrom("/", "/tickets", "/tickets/new", "/login", "/tickets/ID", "/api/nope", "/api/tickets/ID/nope"), pathId(c.ids.read), fc.constantFrom("multipart/form-data; boundary=x", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "application/json"), jsonBodies(validTicket), fc.option(fc.string({ unit: printable, maxLength: 42 })))
          .map(([m, p, id, type, body, action]) => req(m, p.replace("ID", id), { "content-type": type, ...(action !== null ? { "next-action": action } : {}) }, type.startsWith("multipart") ? Buffer.concat([Buffer.from('--x\r\nContent-Disposition: form-data; name="1_$ACTION_ID_x"\r\n\r\n'), body]) : body)),
      effect: readOnly,
    },
    { name: "PATCH /api/users/:id (admin)", as: "admin", request: jsonRequest("PATCH", (c, id) => id(c.bobId).map((i) => `/api/users/${i}`), validUserUpdate), effect: userUpdated, runs: Math.ceil(RUNS / 2) },
    { name: "PATCH /api/users/:id (not admin)", as: "agent", request: jsonRequest("PATCH", (c, id) => id(c.bobId).map((i) => `/api/users/${i}`), validUserUpdate), effect: readOnly, runs: Math.ceil(RUNS / 2) },
    // Issue 10. Refused or unmatchable requests only, so each must leave everything as it was.
    { name: "POST /api/users (not admin)", as: "agent", request: jsonRequest("POST", () => fc.constant("/api/users"), validNewUser), effect: readOnly, runs: Math.ceil(RUNS / 2) },
    { name: "POST /api/users/:id/password (not admin)", as: "alice", request: jsonRequest("POST", (c, id) => id(c.bobId).map((i) => `/api/users/${i}/password`), validReset), effect: readOnly, runs: Math.ceil(RUNS / 2) },
    {
      name: "POST /api/users/:id/invite (not admin)",
      as: "agent",
      request: (c) => fc.tuple(pathId(c.bobId), jsonBodies(fc.constant({})), fc.option(jsonContentType), extraHeaders).map(([id, body, type, extra]) => req("POST", `/api/users/${id}/invite`, { ...(type ? { "content-type": type } : {}), ...(extra ?? {}) }, body)),
      effect: readOnly,
      runs: Math.ceil(RUNS / 4),
    },
    { name: "POST /api/tickets/:id/tags (agent)", as: "agent", request: jsonRequest("POST", (c, id) => id(c.ids.update).map((i) => `/api/tickets/${i}/tags`), validTags), effect: tagsChanged, runs: Math.ceil(RUNS / 2) },
    { name: "POST /api/tickets/:id/tags (requester)", as: "alice", request: jsonRequest("POST", (c, id) => id(c.ids.update).map((i) => `/api/tickets/${i}/tags`), validTags), effect: tagsChanged, runs: Math.ceil(RUNS / 4) },
    { name: "POST /api/canned-replies (requester)", as: "alice", request: jsonRequest("POST", () => fc.constant("/api/canned-replies"), validCanned), effect: readOnly, runs: Math.ceil(RUNS / 2) },
    { name: "PUT /api/settings (not admin)", as: "agent", request: jsonRequest("PUT", () => fc.constant("/api/settings"), validSettings), effect: readOnly, runs: Math.ceil(RUNS / 2) },
    { name: "POST /api/signup (sign-up off)", as: "anonymous", request: jsonRequest("POST", () => fc.constant("/api/signup"), validSignUp), effect: readOnly, runs: Math.ceil(RUNS / 2) },
    { name: "POST /api/invites/accept (no such link)", as: "anonymous", request: jsonRequest("POST", () => fc.constant("/api/invites/accept"), validAccept), effect: readOnly, runs: Math.ceil(RUNS / 2) },
    { name: "POST /api/account/password (wrong current password)", as: "agent", request: jsonRequest("POST", () => fc.constant("/api/account/password"), validPasswordChange), effect: readOnly, runs: Math.ceil(RUNS / 2) },
    {
      name: "POST /api/sessions/revoke-others",
      as: "agent",
      request: () => fc.tuple(jsonBodies(fc.constant({})), fc.option(jsonContentType), extraHeaders).map(([body, type, extra]) => req("POST", "/api/sessions/revoke-others", { ...(type ? { "content-type": type } : {}), ...(extra ?? {}) }, body)),
      effect: readOnly,
      runs: Math.ceil(RUNS / 4),
    },
    { name: "POST /api/auth/callback/credentials", as: "anonymous", request: credentialsRequest(csrf), effect: signInOnly, ours: false },
  ];
}

// ---------------------------------------------------------------------------

before(async () => {
  const port = await freePort();
  // APP_URL is the URL the tests use, so `Origin: <server url>` is the app's own origin.
  server = await startServer({ port, env: { APP_URL: `http://127.0.0.1:${port}`, ...FUZZ_ENV } });
  const cookies = { alice: await signIn(server.url, "alice@example.com"), agent: await signIn(server.url, "agent@example.com"), admin: await signIn(server.url, "admin@example.com") };
  ctx = { url: server.url, cookies, ids: {} as Ctx["ids"], bobId: "", uploads: path.join(server.dataDir, "uploads") };
  const bob = await fetch(`${server.url}/api/auth/session`, { headers: { cookie: await signIn(server.url, "bob@example.com") } });
  ctx.bobId = ((await bob.json()) as { user: { id: string } }).user.id;
  for (const k of ["create", "update", "aliceComment", "agentComment", "attach", "read"] as const) {
    const r = await send(req("POST", "/api/tickets", { "content-type": "application/json" }, Buffer.from(JSON.stringify({ title: `Fuzz target ${k}`, description: "x" }))), "alice");
    assert.equal(r.status, 201, r.text);
    ctx.ids[k] = (r.json as TicketDTO).id;
  }
});

after(async () => {
  assert.equal(await server?.stop(), 0, "graceful shutdown exits 0");
});

async function csrfFor(): Promise<{ token: string; cookie: string }> {
  const res = await fetch(`${ctx.url}/api/auth/csrf`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { token: ((await res.json()) as { csrfToken: string }).csrfToken, cookie };
}

function fcParams(runs: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: runs, verbose: 1, includeErrorInReport: true };
}

describe(`HTTP endpoints (FUZZ_SEED=${SEED})`, () => {
  // Built lazily: the CSRF token needs the running server.
  const names = endpoints({ token: "", cookie: "" }).map((e) => e.name);
  for (const name of names) {
    test(`${name}: never 500, standard 4xx body, nothing partial written`, async () => {
      const endpoint = endpoints(await csrfFor()).find((e) => e.name === name)!;
      const effect = endpoint.effect as Effect;
      const before = await fingerprint();
      let accepted = 0;
      // The state after one case is the state before the next; a failed case forgets it.
      let carried: { state: unknown } | undefined;
      await fc.assert(
        fc.asyncProperty(endpoint.request(ctx), async (r) => {
          const before = carried ? carried.state : await effect.state();
          carried = undefined;
          const reply = await send(r, endpoint.as);
          assert.ok(reply.status < 500, `${r.method} ${r.path} answered ${reply.status}: ${reply.text.slice(0, 300)}`);
          // 405 for a method a route does not define is Next's own (empty body); every other 4xx is ours.
          if (reply.status >= 400 && reply.status !== 405 && endpoint.ours !== false) assertErrorBody(reply, `${r.method} ${r.path}`);
          if (reply.status < 300) accepted++;
          const now = await effect.state();
          await effect.verify(before, now, reply);
          carried = { state: now };
        }),
        fcParams(endpoint.runs ?? RUNS),
      );
      await assertAlive(name);
      if (effect === readOnly || effect === signInOnly) assert.deepEqual(await fingerprint(), before, "reads and sign-ins write nothing");
      // The generators must reach the accepting path too, or the fuzzing proves little.
      // (Except where the caller is refused by design: a requester tagging, mostly a requester's PATCH.)
      if (endpoint.effect !== readOnly && !MAY_ACCEPT_NOTHING.has(endpoint.name)) assert.ok(accepted > 0, "no case was accepted");
      if (endpoint.name === "POST /api/tickets/:id/tags (requester)") assert.equal(accepted, 0, "a requester tagged a ticket");
    });
  }
});

// ---------------------------------------------------------------------------
// Socket.IO

const RESERVED = new Set(["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]);

const socketValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyValue },
  { weight: 2, arbitrary: fc.record({ ticketId: fc.oneof(nastyString, fc.constant("")), sinceSeq: nastyValue }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.record({ ticketId: fc.constant("x"), blob: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)) }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }).map((kb) => ({ ticketId: "x".repeat(kb * 1024) })) },
);

function approxSize(args: unknown[]): number {
  return JSON.stringify(args, (_k, v: unknown) => (Buffer.isBuffer(v) || v instanceof Uint8Array ? "x".repeat(v.length) : v))?.length ?? 0;
}

describe(`Socket.IO payloads (FUZZ_SEED=${SEED})`, () => {
  let socket: ClientSocket;
  const connect = async () => (socket = await connectSocket(ctx.url, ctx.cookies.alice, { origin: ctx.url }));
  after(() => socket?.close());

  test("every event name and payload shape, with or without ack: a clean ack or silence, never INTERNAL, never a crash", async () => {
    await connect();
    const before = await fingerprint();
    const event = fc.oneof({ weight: 4, arbitrary: fc.constantFrom("ticket:join", "ticket:leave", "admin:probe", "presence:update", "presence:list") }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }).filter((s) => !RESERVED.has(s)) });
    const shape = fc.record({ event, args: fc.array(socketValue, { maxLength: 3 }), ack: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(shape, async ({ event: name, args, ack }) => {
        if (!socket.connected) await connect();
        const emit = socket.emit.bind(socket) as (ev: string, ...a: unknown[]) => void;
        // Wait for the ack, or (without one) for a join of a real ticket sent
        // after the fuzzed packet: that proves the socket still works.
        const outcome = (fn: (done: (r: unknown) => void) => void) =>
          new Promise<unknown>((resolve) => {
            const timer = setTimeout(() => finish("timeout"), 5000);
            const onDisconnect = () => finish("disconnected");
            function finish(r: unknown) {
              clearTimeout(timer);
              socket.off("disconnect", onDisconnect);
              resolve(r);
            }
            socket.once("disconnect", onDisconnect);
            fn(finish);
          });
        const reply = await outcome((done) => {
          if (ack) emit(name, ...args, done);
          else {
            emit(name, ...args);
            socket.emit("ticket:join", { ticketId: ctx.ids.read }, done);
          }
        });
        if (reply === "disconnected" || reply === "timeout") {
          // Only a packet over maxHttpBufferSize may end the connection; nothing may go unanswered.
          assert.ok(approxSize(args) > SOCKET_BUFFER / 2, `${name} ${JSON.stringify(args).slice(0, 200)} got no answer (${reply})`);
          return;
        }
        const r = reply as { ok?: unknown; error?: { code?: unknown } };
        assert.equal(typeof r?.ok, "boolean", `${name} ack ${JSON.stringify(reply)}`);
        assert.notEqual(r.error?.code, "INTERNAL", `${name} ${JSON.stringify(args).slice(0, 200)}`);
        if (!ack) assert.equal(r.ok, true, `the join after ${name} ${JSON.stringify(args).slice(0, 200)}: ${JSON.stringify(reply)}`);
      }),
      fcParams(RUNS * 2),
    );
    await assertAlive("socket payloads");
    assert.deepEqual(await fingerprint(), before, "socket events write nothing");
  });

  test("raw engine.io / socket.io frames of every wrong shape never crash the server", async () => {
    const packet = fc.oneof(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.tuple(fc.constantFrom("2", "3", "4", "40", "41", "42", "43", "44", "45", "46", "421", "451-", "452-", "4/", "42/x,"), fc.oneof(fc.json({ maxDepth: 3 }), nastyString)).map(([p, b]) => p + b),
      fc.tuple(fc.constantFrom("42", "4299", "451-"), socketValue).map(([p, v]) => `${p}${JSON.stringify(["ticket:join", v]) ?? ""}`),
      fc.constantFrom('451-["ticket:join",{"_placeholder":true,"num":0}]', '451-["ticket:join",{"_placeholder":true,"num":7}]', '42["ticket:join"', "42" + "[".repeat(5000), '42[{"__proto__":1}]', '42["__proto__",{}]', '42["constructor",1]'),
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)),
    );
    const wsUrl = `${ctx.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`;
    await fc.assert(
      fc.asyncProperty(fc.array(packet, { minLength: 1, maxLength: 3 }), async (frames) => {
        const ws = new WebSocket(wsUrl, { headers: { cookie: ctx.cookies.alice, origin: ctx.url } });
        const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
        ws.on("error", () => undefined);
        await new Promise<void>((resolve) => ws.once("message", () => resolve())); // engine.io open
        ws.send("40");
        for (const f of frames) ws.send(f);
        // Whatever the frames did, the server answers a well-formed join on a fresh connection.
        ws.close();
        await closed;
      }),
      fcParams(Math.ceil(RUNS / 2)),
    );
    await assertAlive("raw frames");
    const s = await connectSocket(ctx.url, ctx.cookies.alice, { origin: ctx.url });
    const ack = (await s.timeout(5000).emitWithAck("ticket:join", { ticketId: ctx.ids.read })) as { ok: boolean };
    s.close();
    assert.equal(ack.ok, true);
    assert.doesNotMatch(server.output(), /unhandled|uncaught|handler failed/i);
  });
});

// ---------------------------------------------------------------------------
// Each finding of the fuzzer, replayed as a plain request.

describe("regressions found by fuzzing", () => {
  const json = (method: string, p: string, text: string | Uint8Array) => req(method, p, { "content-type": "application/json" }, typeof text === "string" ? Buffer.from(text) : text);

  test("a lone surrogate in any text field is a 400 naming the field (was a 500 from the event log's jsonb)", async () => {
    const cases: Array<[FuzzRequest, Who, string]> = [
      [json("POST", "/api/tickets", '{"title":"abc\\ud800","description":"x"}'), "alice", "title"],
      [json("POST", "/api/tickets", '{"title":"abcd","description":"x\\udfff"}'), "alice", "description"],
      [json("PATCH", `/api/tickets/${ctx.ids.read}`, '{"title":"ab\\ud800cd"}'), "agent", "title"],
      [json("POST", `/api/tickets/${ctx.ids.read}/comments`, '{"body":"\\ud800"}'), "alice", "body"],
    ];
    const before = await fingerprint();
    for (const [r, who, field] of cases) {
      const reply = await send(r, who);
      assert.equal(reply.status, 400, reply.text);
      assert.match(JSON.stringify((reply.json as { error: { fields: Record<string, string[]> } }).error.fields[field]), /malformed Unicode/);
    }
    assert.deepEqual(await fingerprint(), before);
  });

  test("a JSON body that is not UTF-8 is a 400 (was stored with U+FFFD)", async () => {
    const body = Buffer.concat([Buffer.from('{"title":"abc'), Buffer.from([0xff, 0xfe]), Buffer.from('","description":"x"}')]);
    const reply = await send(json("POST", "/api/tickets", body), "alice");
    assert.equal(reply.status, 400);
    assertErrorBody(reply, "non-UTF-8 body");
    const surrogateBytes = await send(json("POST", "/api/tickets", wtf8('{"title":"abc\ud800","description":"x"}')), "alice");
    assert.equal(surrogateBytes.status, 400);
  });

  test("URLs that do not decode to UTF-8 are a 400 with the standard body (were a 500 from Next's router)", async () => {
    for (const p of ["/api/tickets/%FF", "/api/tickets/%ED%A0%80", "/api/tickets/%", "/api/tickets/%FF/events?after=1", "/api/attachments/%FF", "/api/auth/%FF", "/tickets/%FF", "/api/tickets?q=%FF", "/api/tickets?q=%ED%A0%80", "/api/auth/signin?callbackUrl=%FF"]) {
      const reply = await send(req("GET", p), "alice");
      assert.equal(reply.status, 400, p);
      assertErrorBody(reply, p);
    }
  });

  test("an unparseable callbackUrl in the sign-in body goes to /tickets (next-auth's default callback threw: 500)", async () => {
    for (const callbackUrl of ["\ufffd", "http://[::1", "\\\\evil", "%", "http://a b", "//evil.example"]) {
      const csrf = await csrfFor();
      const form = new URLSearchParams({ csrfToken: csrf.token, email: "alice@example.com", password: server.password, callbackUrl, json: "true" });
      const reply = await send(req("POST", "/api/auth/callback/credentials", { cookie: csrf.cookie, "content-type": "application/x-www-form-urlencoded" }, Buffer.from(form.toString())), "anonymous");
      assert.equal(reply.status, 200, `${JSON.stringify(callbackUrl)}: ${reply.text}`);
      assert.equal((reply.json as { url: string }).url, `${ctx.url}/tickets`);
    }
  });

  test("a socket event with an extra argument, no payload, or an unknown name gets an error ack (the client waited forever)", async () => {
    const s = await connectSocket(ctx.url, ctx.cookies.alice, { origin: ctx.url });
    try {
      const emit = (...a: unknown[]) => (s.timeout(5000).emitWithAck as (...x: unknown[]) => Promise<{ ok: boolean; error?: { code: string } }>)(...a);
      assert.equal((await emit("ticket:join", "", { ticketId: ctx.ids.read })).error?.code, "VALIDATION");
      assert.equal((await emit("ticket:join")).error?.code, "VALIDATION");
      assert.equal((await emit("tickets:drop", {})).error?.code, "NOT_FOUND");
      assert.equal((await emit("ticket:join", { ticketId: ctx.ids.read })).ok, true);
    } finally {
      s.close();
    }
  });

  test("a truncated upload in another field or with a bad name throws nothing uncaught (was an uncaughtException)", async () => {
    const before = server.output().length;
    const parts = [
      Buffer.from('--fz\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nhello'),
      Buffer.concat([Buffer.from('--fz\r\nContent-Disposition: form-data; name="file"; filename="a'), Buffer.from([0xff]), Buffer.from('.txt"\r\n\r\nhello')]),
    ];
    for (const body of parts) {
      const reply = await send(req("POST", `/api/tickets/${ctx.ids.read}/attachments`, { "content-type": "multipart/form-data; boundary=fz" }, body), "alice");
      assert.equal(reply.status, 400, reply.text);
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(server.output().slice(before), /uncaught|AbortError|Unexpected end of form/i);
  });

  test("a 255-character file name ending in an emoji is stored whole (the cut left a lone surrogate: 500)", async () => {
    const name = `${"a".repeat(254)}😀.png`;
    const body = Buffer.from(`--fz\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n\r\nhello\r\n--fz--\r\n`);
    const reply = await send(req("POST", `/api/tickets/${ctx.ids.read}/attachments`, { "content-type": "multipart/form-data; boundary=fz" }, body), "alice");
    assert.equal(reply.status, 201, reply.text);
    assert.equal((reply.json as AttachmentDTO).originalName, `${"a".repeat(254)}😀`);
    const utf8 = await send(req("POST", `/api/tickets/${ctx.ids.read}/attachments`, { "content-type": "multipart/form-data; boundary=fz" }, Buffer.from('--fz\r\nContent-Disposition: form-data; name="file"; filename="résumé.txt"\r\n\r\nhi\r\n--fz--\r\n')), "alice");
    assert.equal((utf8.json as AttachmentDTO).originalName, "résumé.txt", "browsers send names as UTF-8");
  });

  test("writes to pages are a 405 and unknown API paths a JSON 404 (Next parsed them as Server Actions)", async () => {
    const before = server.output().length;
    const truncated = Buffer.from('--x\r\nContent-Disposition: form-data; name="1_$ACTION_ID_x"\r\n\r\nabc');
    const page = await send(req("POST", "/tickets", { "content-type": "multipart/form-data; boundary=x", "next-action": "x" }, truncated), "alice");
    assert.equal(page.status, 405);
    assertErrorBody(page, "POST /tickets");
    const unknown = await send(req("POST", "/api/attachments", { "content-type": "multipart/form-data; boundary=x" }, truncated), "alice");
    assert.equal(unknown.status, 404);
    assertErrorBody(unknown, "POST /api/attachments");
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(server.output().slice(before), /uncaught|Unexpected end of form|Server Action/i);
  });
});
