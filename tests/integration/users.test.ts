/**
 * People and roles (issue 10) against the real server: user administration,
 * passwords and invite links, the last-admin guard, sessions and sockets that
 * end, self sign-up, requester close/reopen and priorities, the audit log,
 * and the operator command (`npm run user`) on a stopped server's database.
 * Runs on PGlite, and on PostgreSQL with TANDEM_TEST_DB=postgres.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { AuditEntryDTO, SettingsDTO } from "../../src/shared/audit";
import type { ApiErrorBody, TicketDTO, UserDTO } from "../../src/shared/dto";
import type { InviteIssued } from "../../src/shared/invite";
import { api, connectSocket, postgresEnv, ROOT, signIn, startServer, type TestServer } from "../helpers/server";
import { createTicket, whoAmI, type Me } from "./support";

const onPostgres = process.env.TANDEM_TEST_DB === "postgres";
let server: TestServer;
let url: string;
const cookies: Record<"admin" | "agent" | "alice" | "bob", string> = { admin: "", agent: "", alice: "", bob: "" };
const users = {} as Record<keyof typeof cookies, Me>;
const unique = () => randomBytes(4).toString("hex");

before(async () => {
  // A small sign-up limit, so the test can reach it.
  server = await startServer({ env: { SIGNUP_LIMIT: "4" } });
  url = server.url;
  for (const who of Object.keys(cookies) as (keyof typeof cookies)[]) {
    cookies[who] = await signIn(url, `${who}@example.com`);
    users[who] = await whoAmI(url, cookies[who]);
  }
});

after(async () => {
  assert.equal(await server?.stop(), 0, "graceful shutdown exits 0");
});

function assertError(res: { status: number; body: unknown }, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal((res.body as ApiErrorBody).error?.code, code, JSON.stringify(res.body));
}

/** Every user, page by page. */
async function listUsers(): Promise<UserDTO[]> {
  const all: UserDTO[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { items: UserDTO[]; nextCursor: string | null } } = await api(url, cookies.admin, "GET", `/api/users?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(res.status, 200);
    all.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return all;
}

async function audit(): Promise<AuditEntryDTO[]> {
  const res = await api<{ items: AuditEntryDTO[] }>(url, cookies.admin, "GET", "/api/audit");
  assert.equal(res.status, 200);
  return res.body.items;
}

async function createUser(body: Record<string, unknown>) {
  return api<{ user: UserDTO; invite?: InviteIssued }>(url, cookies.admin, "POST", "/api/users", body);
}

/** The link of an invite answered with mail off (this server has no SMTP_URL). */
function linkOf(invite: InviteIssued | undefined): string {
  assert.equal(invite?.delivery, "link", JSON.stringify(invite));
  return (invite as Extract<InviteIssued, { delivery: "link" }>).url;
}

async function reinvite(id: string) {
  return api<{ invite: InviteIssued }>(url, cookies.admin, "POST", `/api/users/${id}/invite`);
}

async function setSettings(body: Partial<SettingsDTO>) {
  const res = await api<SettingsDTO>(url, cookies.admin, "PUT", "/api/settings", body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe("authorization: admin 2xx, agent and requester 403, signed out 401", () => {
  test("every new admin endpoint", async () => {
    const target = (await createUser({ email: `matrix-${unique()}@example.com`, name: "Matrix", role: "REQUESTER", password: "matrix-pass-1" })).body.user;
    const calls: Array<[string, string, unknown?]> = [
      ["GET", "/api/users"],
      ["POST", "/api/users", { email: `m-${unique()}@example.com`, name: "M", role: "AGENT", password: "password-123" }],
      ["PATCH", `/api/users/${target.id}`, { name: "Matrix renamed" }],
      ["POST", `/api/users/${target.id}/password`, { password: "another-pass-1" }],
      ["POST", `/api/users/${target.id}/invite`],
      ["GET", "/api/settings"],
      ["PUT", "/api/settings", { signupEnabled: false }],
      ["GET", "/api/audit"],
      ["GET", "/api/mail"],
    ];
    for (const [method, path, body] of calls) {
      const fresh = body && path === "/api/users" ? { ...(body as object), email: `m-${unique()}@example.com` } : body;
      for (const who of ["agent", "alice"] as const) assertError(await api(url, cookies[who], method, path, fresh), 403, "FORBIDDEN");
      assertError(await api(url, undefined, method, path, fresh), 401, "UNAUTHORIZED");
      const ok = await api(url, cookies.admin, method, path, fresh);
      assert.ok(ok.status === 200 || ok.status === 201, `${method} ${path}: ${ok.status} ${JSON.stringify(ok.body)}`);
    }
    // Nothing the refused calls sent was applied: the only rename is the admin's.
    const now = (await listUsers()).find((u) => u.id === target.id)!;
    assert.equal(now.name, "Matrix renamed");
  });

  test("the admin pages are 404 for others and signed-out visitors are sent to sign in", async () => {
    for (const page of ["/admin/users", "/admin/settings", "/admin/audit", "/admin/mail"]) {
      const admin = await fetch(`${url}${page}`, { headers: { cookie: cookies.admin } });
      assert.equal(admin.status, 200, page);
      for (const who of ["agent", "alice"] as const) {
        const res = await fetch(`${url}${page}`, { headers: { cookie: cookies[who] } });
        assert.equal(res.status, 404, `${who} ${page}`);
      }
      const anon = await fetch(`${url}${page}`, { redirect: "manual" });
      assert.ok([302, 303, 307].includes(anon.status), `${page}: ${anon.status}`);
    }
  });
});

describe("users", () => {
  test("the list pages by name and narrows by a search, a role or active state; bad filters are 400", async () => {
    const tag = `pager${unique()}`;
    const made: UserDTO[] = [];
    for (let i = 0; i < 5; i++) made.push((await createUser({ email: `${tag}-${i}@example.com`, name: `Pager ${tag} ${i}`, role: i === 4 ? "AGENT" : "REQUESTER", password: "pager-password-1" })).body.user);
    await api(url, cookies.admin, "PATCH", `/api/users/${made[3]!.id}`, { active: false });
    type Page = { items: UserDTO[]; nextCursor: string | null };
    const get = async (qs: string) => {
      const res = await api<Page>(url, cookies.admin, "GET", `/api/users?${qs}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    // Two at a time: every one of them once, in name order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await get(`q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((u) => u.name));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, made.map((u) => u.name));
    // By address, whatever its case; by role; by state.
    assert.deepEqual((await get(`q=${tag.toUpperCase()}-2@EXAMPLE`)).items.map((u) => u.id), [made[2]!.id]);
    assert.deepEqual((await get(`q=${tag}&role=AGENT`)).items.map((u) => u.id), [made[4]!.id]);
    assert.deepEqual((await get(`q=${tag}&state=deactivated`)).items.map((u) => u.id), [made[3]!.id]);
    assert.equal((await get(`q=${tag}&state=active`)).items.length, 4);
    for (const bad of ["role=BOSS", "state=gone", "limit=0", "limit=201", "cursor=nonsense", "other=1"]) {
      assertError(await api(url, cookies.admin, "GET", `/api/users?${bad}`), 400, "VALIDATION");
    }
    // The page takes the same filters.
    const html = await (await fetch(`${url}/admin/users?q=${tag}&role=AGENT`, { headers: { cookie: cookies.admin } })).text();
    assert.ok(html.includes(`${tag}-4@example.com`) && !html.includes(`${tag}-0@example.com`));
  });

  test("an admin corrects a user's email: they sign in with the new one; one another account has (any case) is 409 and changes nothing", async () => {
    const email = `typo-${unique()}@exmaple.com`;
    const fixed = email.replace("exmaple", "example");
    const user = (await createUser({ email, name: "Tia", role: "REQUESTER", password: "tia-password-1" })).body.user;
    const taken = await api(url, cookies.admin, "PATCH", `/api/users/${user.id}`, { email: "ALICE@example.com" });
    assertError(taken, 409, "CONFLICT");
    assert.ok((taken.body as ApiErrorBody).error.fields?.email);
    assertError(await api(url, cookies.admin, "PATCH", `/api/users/${user.id}`, { email: "not an address" }), 400, "VALIDATION");
    const ok = await api<UserDTO>(url, cookies.admin, "PATCH", `/api/users/${user.id}`, { email: `  ${fixed.toUpperCase()} ` });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.email, fixed);
    await signIn(url, fixed, "tia-password-1");
    await assert.rejects(signIn(url, email, "tia-password-1"), /sign-in failed/);
    const entry = (await audit()).find((e) => e.target?.id === user.id && e.action === "user:update");
    assert.deepEqual([entry?.before, entry?.after], [{ email }, { email: fixed }]);

    // A link sent to the old (mistyped) address no longer sets the password.
    const invited = await createUser({ email: `lost-${unique()}@exmaple.com`, name: "Lou", role: "AGENT" });
    const token = linkOf(invited.body.invite).split("/").pop()!;
    assert.equal((await api(url, cookies.admin, "PATCH", `/api/users/${invited.body.user.id}`, { email: `lou-${unique()}@example.com` })).status, 200);
    assertError(await api(url, undefined, "POST", "/api/invites/accept", { token, password: "stranger-password-1" }), 404, "NOT_FOUND");
  });

  test("GET lists every user with role and active", async () => {
    const list = await listUsers();
    const admin = list.find((u) => u.email === "admin@example.com");
    assert.deepEqual(admin, { id: users.admin.id, name: users.admin.name, email: "admin@example.com", role: "ADMIN", active: true });
    assert.ok(list.some((u) => u.email === "alice@example.com" && u.role === "REQUESTER"));
  });

  test("create with a password: 201, the person signs in with it; a duplicate email is 409", async () => {
    const email = `Carol-${unique()}@Example.com`;
    const res = await createUser({ email, name: " Carol ", role: "AGENT", password: "carol-secret-1" });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.user.email, email.toLowerCase());
    assert.equal(res.body.user.name, "Carol");
    assert.equal(res.body.user.role, "AGENT");
    assert.equal(res.body.invite, undefined, "no invite when a password was set");
    const cookie = await signIn(url, email.toLowerCase(), "carol-secret-1");
    assert.equal((await whoAmI(url, cookie)).role, "AGENT");
    assertError(await createUser({ email: email.toUpperCase(), name: "Other", role: "REQUESTER" }), 409, "CONFLICT");
  });

  test("bad input is a 400 with field errors and creates nothing", async () => {
    const before = (await listUsers()).length;
    const cases: Array<[unknown, string]> = [
      [{ email: "not-an-email", name: "X", role: "AGENT" }, "email"],
      [{ email: `a-${unique()}@example.com`, name: "", role: "AGENT" }, "name"],
      [{ email: `a-${unique()}@example.com`, name: "X", role: "OWNER" }, "role"],
      [{ email: `a-${unique()}@example.com`, name: "X", role: "AGENT", password: "short" }, "password"],
      [{ email: `a-${unique()}@example.com`, name: "X", role: "AGENT", admin: true }, "_"],
      [{ email: `a-${unique()}@example.com`, name: "X\u0000", role: "AGENT" }, "name"],
    ];
    for (const [body, field] of cases) {
      const res = await createUser(body as Record<string, unknown>);
      assertError(res, 400, "VALIDATION");
      assert.ok((res.body as unknown as ApiErrorBody).error.fields?.[field], `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
    }
    for (const body of [{}, { password: "short" }, { invite: true }, { invite: false }, { password: "long-enough-1", invite: true }]) {
      assertError(await api(url, cookies.admin, "POST", `/api/users/${users.bob.id}/password`, body), 400, "VALIDATION");
    }
    assertError(await api(url, cookies.admin, "POST", "/api/users/nope/password", { password: "long-enough-1" }), 404, "NOT_FOUND");
    assertError(await api(url, cookies.admin, "POST", "/api/users/nope/invite"), 404, "NOT_FOUND");
    assertError(await api(url, cookies.admin, "POST", "/api/users/bad%00id/invite"), 404, "NOT_FOUND");
    assert.equal((await listUsers()).length, before);
    await signIn(url, "bob@example.com"); // bob's password untouched
  });

  test("invite flow: the link shows once, sets the password, signs in, and works only once", async () => {
    const email = `dave-${unique()}@example.com`;
    const res = await createUser({ email, name: "Dave", role: "REQUESTER" });
    assert.equal(res.status, 201);
    const link = linkOf(res.body.invite);
    assert.match(link, /\/invite\/[A-Za-z0-9_-]{43}$/);
    assert.ok(Date.parse(res.body.invite!.expiresAt) > Date.now() + 6 * 24 * 3600_000, "valid for days");
    const token = link.split("/").pop()!;
    await assert.rejects(signIn(url, email, "anything-at-all"), /sign-in failed/, "no password until the invite is used");

    const page = await fetch(`${url}/invite/${token}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), new RegExp(email.replace(/[.]/g, "\\.")));

    assertError(await api(url, undefined, "POST", "/api/invites/accept", { token, password: "short" }), 400, "VALIDATION");
    const accepted = await api<{ email: string }>(url, undefined, "POST", "/api/invites/accept", { token, password: "dave-password-1" });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.deepEqual(accepted.body, { email });
    const cookie = await signIn(url, email, "dave-password-1");
    assert.equal((await whoAmI(url, cookie)).name, "Dave");

    assertError(await api(url, undefined, "POST", "/api/invites/accept", { token, password: "dave-password-2" }), 404, "NOT_FOUND");
    assert.doesNotMatch(await (await fetch(`${url}/invite/${token}`)).text(), new RegExp(email.replace(/[.]/g, "\\.")));
    assertError(await api(url, undefined, "POST", "/api/invites/accept", { token: "x".repeat(43), password: "dave-password-2" }), 404, "NOT_FOUND");
    assertError(await api(url, undefined, "POST", "/api/invites/accept", { token: "bad", password: "dave-password-2" }), 400, "VALIDATION");

    // A reset link from an admin: the old link is void, the new one replaces the password and ends sessions.
    const dave = (await listUsers()).find((u) => u.email === email)!;
    const reset = await reinvite(dave.id);
    assert.equal(reset.status, 200);
    assert.equal((await api(url, cookie, "GET", "/api/tickets")).status, 200, "an invite alone changes nothing");
    const second = await api(url, undefined, "POST", "/api/invites/accept", { token: linkOf(reset.body.invite).split("/").pop(), password: "dave-password-3" });
    assert.equal(second.status, 200);
    assert.equal((await api(url, cookie, "GET", "/api/tickets")).status, 401, "accepting a reset link ends old sessions");
    await signIn(url, email, "dave-password-3");
  });

  test("with mail off, a new invite link answers its link and voids the older unused one; a deactivated user gets none, and their old link stays void", async () => {
    const email = `olive-${unique()}@example.com`;
    const created = await createUser({ email, name: "Olive", role: "AGENT" });
    assert.equal(created.status, 201);
    const first = linkOf(created.body.invite).split("/").pop()!;
    const again = await reinvite(created.body.user.id);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const second = linkOf(again.body.invite).split("/").pop()!;
    assert.notEqual(second, first);
    assert.ok(Date.parse(again.body.invite.expiresAt) > Date.now() + 6 * 24 * 3600_000);
    assert.ok((await (await fetch(`${url}/invite/${first}`)).text()).includes("This link no longer works"), "the older link's page says so");
    assertError(await api(url, undefined, "POST", "/api/invites/accept", { token: first, password: "olive-password-1" }), 404, "NOT_FOUND");
    assert.ok(/Welcome, (?:<!-- -->)?Olive/.test(await (await fetch(`${url}/invite/${second}`)).text()), "the newer link works");

    assert.equal((await api(url, cookies.admin, "PATCH", `/api/users/${created.body.user.id}`, { active: false })).status, 200);
    const refused = await reinvite(created.body.user.id);
    assertError(refused, 409, "CONFLICT");
    assert.match((refused.body as unknown as ApiErrorBody).error.message, /deactivated/);
    assert.equal((await api(url, cookies.admin, "PATCH", `/api/users/${created.body.user.id}`, { active: true })).status, 200);
    // The link sent before the deactivation does not come back with the account.
    assertError(await api(url, undefined, "POST", "/api/invites/accept", { token: second, password: "olive-password-1" }), 404, "NOT_FOUND");
    assert.ok((await (await fetch(`${url}/invite/${second}`)).text()).includes("This link no longer works"));
    await assert.rejects(signIn(url, email, "olive-password-1"), /sign-in failed/);
    const third = await reinvite(created.body.user.id);
    assert.equal(third.status, 200, JSON.stringify(third.body));
    const accepted = await api(url, undefined, "POST", "/api/invites/accept", { token: linkOf(third.body.invite).split("/").pop(), password: "olive-password-1" });
    assert.equal(accepted.status, 200, "a new link after the reactivation works");
    await signIn(url, email, "olive-password-1");
  });

  test("the last active admin can be neither demoted nor deactivated", async () => {
    // Other admins may exist from earlier tests: deactivate them first, through the API.
    for (const u of await listUsers()) {
      if (u.role === "ADMIN" && u.active && u.id !== users.admin.id) {
        assert.equal((await api(url, cookies.admin, "PATCH", `/api/users/${u.id}`, { active: false })).status, 200);
      }
    }
    assertError(await api(url, cookies.admin, "PATCH", `/api/users/${users.admin.id}`, { role: "AGENT" }), 409, "CONFLICT");
    assertError(await api(url, cookies.admin, "PATCH", `/api/users/${users.admin.id}`, { active: false }), 409, "CONFLICT");
    const me = (await listUsers()).find((u) => u.id === users.admin.id)!;
    assert.equal(me.role, "ADMIN");
    assert.equal(me.active, true);
    // With a second admin, the first may step down.
    const second = await createUser({ email: `admin2-${unique()}@example.com`, name: "Second Admin", role: "ADMIN", password: "second-admin-1" });
    assert.equal(second.status, 201);
    const secondCookie = await signIn(url, second.body.user.email, "second-admin-1");
    assert.equal((await api(url, secondCookie, "PATCH", `/api/users/${users.admin.id}`, { role: "AGENT" })).status, 200);
    assert.equal((await api(url, secondCookie, "PATCH", `/api/users/${users.admin.id}`, { role: "ADMIN" })).status, 200);
    assert.equal((await api(url, cookies.admin, "PATCH", `/api/users/${second.body.user.id}`, { active: false })).status, 200);
  });

  test("deactivation ends sign-in, the API session and a live socket", { timeout: 60_000 }, async () => {
    const email = `erin-${unique()}@example.com`;
    const erin = (await createUser({ email, name: "Erin", role: "AGENT", password: "erin-password-1" })).body.user;
    const cookie = await signIn(url, email, "erin-password-1");
    const socket = await connectSocket(url, cookie);
    try {
      const disconnected = new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
      assert.equal((await api(url, cookies.admin, "PATCH", `/api/users/${erin.id}`, { active: false })).status, 200);
      assert.equal(await disconnected, "io server disconnect");
      assert.equal((await api(url, cookie, "GET", "/api/tickets")).status, 401);
      await assert.rejects(signIn(url, email, "erin-password-1"), /sign-in failed/);
      await assert.rejects(connectSocket(url, cookie));
    } finally {
      socket.close();
    }
  });

  test("an agent deactivated or made a requester keeps no open ticket: each is unassigned as the admin's change, live; resolved ones keep their assignee", { timeout: 60_000 }, async () => {
    const staffSocket = await connectSocket(url, cookies.admin);
    try {
      for (const change of [{ active: false }, { role: "REQUESTER" }] as const) {
        const email = `gail-${unique()}@example.com`;
        const gail = (await createUser({ email, name: "Gail", role: "AGENT", password: "gail-password-1" })).body.user;
        const open = await createTicket(url, cookies.alice, { title: "Open, Gail's" });
        const waiting = await createTicket(url, cookies.alice, { title: "Waiting, Gail's" });
        const resolved = await createTicket(url, cookies.alice, { title: "Resolved, Gail's" });
        for (const [t, status] of [[open, "OPEN"], [waiting, "WAITING"], [resolved, "RESOLVED"]] as const) {
          assert.equal((await api(url, cookies.admin, "PATCH", `/api/tickets/${t.id}`, { assigneeId: gail.id, status })).status, 200);
        }
        const seen = new Map<string, unknown>();
        const heard = (e: { ticketId: string; actor: { id: string }; data: { changes: { assignee?: { to: unknown } } } }) => {
          // (The assignments above may still be on their way: only unassignments count.)
          if (e.data.changes.assignee && e.data.changes.assignee.to === null && e.actor.id === users.admin.id) seen.set(e.ticketId, null);
        };
        staffSocket.emit("lists:watch", {});
        staffSocket.on("ticket:updated", heard);
        const saved = await api<{ unassignedTickets: number }>(url, cookies.admin, "PATCH", `/api/users/${gail.id}`, change);
        assert.equal(saved.status, 200);
        assert.equal(saved.body.unassignedTickets, 2, "the admin is told how many were unassigned");
        const assignee = async (t: TicketDTO) => (await api<TicketDTO>(url, cookies.admin, "GET", `/api/tickets/${t.id}`)).body.assignee?.id ?? null;
        assert.equal(await assignee(open), null, JSON.stringify(change));
        assert.equal(await assignee(waiting), null);
        assert.equal(await assignee(resolved), gail.id, "a resolved ticket keeps its record");
        const deadline = Date.now() + 10_000;
        while (seen.size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual([...seen.entries()].sort(), [[open.id, null], [waiting.id, null]].sort(), "each unassignment reached the lists live");
        staffSocket.off("ticket:updated", heard);
      }
    } finally {
      staffSocket.close();
    }
  });

  test("the sign-in page lists the demo accounts that are active, and only those", async () => {
    const page = async () => (await (await fetch(`${url}/login`)).text()).replace(/<!-- -->/g, "");
    const before = await page();
    for (const email of ["admin@example.com", "agent@example.com", "alice@example.com", "bob@example.com"]) assert.ok(before.includes(email), email);
    assert.equal((await api(url, cookies.admin, "PATCH", `/api/users/${users.bob.id}`, { active: false })).status, 200);
    try {
      const after = await page();
      assert.ok(!after.includes("bob@example.com"), "a deactivated demo account is not offered");
      assert.ok(after.includes("alice@example.com") && after.includes("Demo accounts"));
    } finally {
      assert.equal((await api(url, cookies.admin, "PATCH", `/api/users/${users.bob.id}`, { active: true })).status, 200);
      // Deactivation ended Bob's sessions: the tests after this one sign in as him.
      cookies.bob = await signIn(url, "bob@example.com");
    }
  });

  test("an admin's password reset ends the user's sessions and sockets; the new password works", { timeout: 60_000 }, async () => {
    const email = `frank-${unique()}@example.com`;
    const frank = (await createUser({ email, name: "Frank", role: "REQUESTER", password: "frank-password-1" })).body.user;
    const cookie = await signIn(url, email, "frank-password-1");
    const socket = await connectSocket(url, cookie);
    try {
      const disconnected = new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
      assert.equal((await api(url, cookies.admin, "POST", `/api/users/${frank.id}/password`, { password: "frank-password-2" })).status, 200);
      await disconnected;
      assert.equal((await api(url, cookie, "GET", "/api/tickets")).status, 401);
      await assert.rejects(signIn(url, email, "frank-password-1"), /sign-in failed/);
      await signIn(url, email, "frank-password-2");
    } finally {
      socket.close();
    }
  });
});

describe("account", () => {
  test("a user changes their name; bad names are 400", async () => {
    const email = `gina-${unique()}@example.com`;
    await createUser({ email, name: "Gina", role: "REQUESTER", password: "gina-password-1" });
    const cookie = await signIn(url, email, "gina-password-1");
    const res = await api<Me>(url, cookie, "PATCH", "/api/account", { name: "  Gina G  " });
    assert.equal(res.status, 200);
    assert.equal((await whoAmI(url, cookie)).name, "Gina G");
    assertError(await api(url, cookie, "PATCH", "/api/account", { name: "" }), 400, "VALIDATION");
    assertError(await api(url, cookie, "PATCH", "/api/account", { name: "x", role: "ADMIN" }), 400, "VALIDATION");
    assertError(await api(url, undefined, "PATCH", "/api/account", { name: "Anon" }), 401, "UNAUTHORIZED");
    // A name is one line: a line break forged lines in staff mail, a direction override reversed the app's text.
    for (const name of ["Gina replied on #4.\n\nOpen the ticket: http://evil.example/t/4", "Gina\u202e", "Gina\rG"]) {
      const bad = await api<ApiErrorBody>(url, cookie, "PATCH", "/api/account", { name });
      assertError(bad, 400, "VALIDATION");
      assert.match(JSON.stringify(bad.body), /must be one line/);
    }
    assert.equal((await whoAmI(url, cookie)).name, "Gina G", "nothing changed");
    assert.equal((await whoAmI(url, cookie)).role, "REQUESTER");
  });

  test("changing the password needs the current one and ends the user's other sessions and sockets", { timeout: 60_000 }, async () => {
    const email = `hank-${unique()}@example.com`;
    await createUser({ email, name: "Hank", role: "AGENT", password: "hank-password-1" });
    const here = await signIn(url, email, "hank-password-1");
    const elsewhere = await signIn(url, email, "hank-password-1");
    const socket = await connectSocket(url, elsewhere);
    try {
      const wrong = await api(url, here, "POST", "/api/account/password", { currentPassword: "nope-nope", newPassword: "hank-password-2" });
      assertError(wrong, 400, "VALIDATION");
      assert.ok((wrong.body as ApiErrorBody).error.fields?.currentPassword);
      assertError(await api(url, here, "POST", "/api/account/password", { currentPassword: "hank-password-1", newPassword: "short" }), 400, "VALIDATION");
      assert.equal((await api(url, elsewhere, "GET", "/api/tickets")).status, 200, "nothing ended by refused changes");

      const disconnected = new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
      const ok = await api<{ revoked: number }>(url, here, "POST", "/api/account/password", { currentPassword: "hank-password-1", newPassword: "hank-password-2" });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.revoked, 1);
      await disconnected;
      assert.equal((await api(url, elsewhere, "GET", "/api/tickets")).status, 401, "the other session ended");
      assert.equal((await api(url, here, "GET", "/api/tickets")).status, 200, "this session stays");
      await assert.rejects(signIn(url, email, "hank-password-1"), /sign-in failed/);
      await signIn(url, email, "hank-password-2");
    } finally {
      socket.close();
    }
  });

  test("the account page has the name and password forms", async () => {
    const html = await (await fetch(`${url}/account`, { headers: { cookie: cookies.bob } })).text();
    assert.match(html, /Change password/);
    assert.match(html, /Current password/);
    assert.match(html, /Save name/);
  });
});

describe("self sign-up", () => {
  test("off by default: the page and the API are 404 and create nothing", async () => {
    const email = `off-${unique()}@example.com`;
    assert.equal((await fetch(`${url}/signup`)).status, 404);
    assertError(await api(url, undefined, "POST", "/api/signup", { name: "Off", email, password: "off-password-1" }), 404, "NOT_FOUND");
    assert.ok(!(await listUsers()).some((u) => u.email === email));
  });

  test("on: creates a requester who signs in; duplicates 409, bad input 400; rate-limited per address", async () => {
    await setSettings({ signupEnabled: true });
    try {
      assert.equal((await fetch(`${url}/signup`)).status, 200);
      const email = `ivy-${unique()}@example.com`;
      const res = await api<Me>(url, undefined, "POST", "/api/signup", { name: "Ivy", email, password: "ivy-password-1" });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.role, "REQUESTER");
      const cookie = await signIn(url, email, "ivy-password-1");
      assert.equal((await whoAmI(url, cookie)).role, "REQUESTER");
      // Where the account came from is in the audit log, as its own doing.
      const created = (await audit()).find((e) => e.target?.id === res.body.id && e.action === "user:create");
      assert.deepEqual(created?.actor, { id: res.body.id, name: "Ivy" });
      assert.deepEqual(created?.after, { email, name: "Ivy", role: "REQUESTER", via: "sign-up" });
      assertError(await api(url, undefined, "POST", "/api/signup", { name: "Ivy 2", email, password: "ivy-password-2" }), 409, "CONFLICT");
      assertError(await api(url, undefined, "POST", "/api/signup", { name: "Ivy", email, password: "ivy-password-1", role: "ADMIN" }), 400, "VALIDATION");
      assertError(await api(url, undefined, "POST", "/api/signup", { name: "", email: "x", password: "1" }), 400, "VALIDATION");
      // SIGNUP_LIMIT is 4 per hour per address: two counted above (the 400s are refused before counting).
      let limited: { status: number; body: unknown } | undefined;
      for (let i = 0; i < 4 && !limited; i++) {
        const r = await api(url, undefined, "POST", "/api/signup", { name: "Flood", email: `flood-${unique()}@example.com`, password: "flood-password-1" });
        if (r.status === 429) limited = r;
        else assert.equal(r.status, 201);
      }
      assert.ok(limited, "the flood was refused");
      assertError(limited, 429, "RATE_LIMITED");
    } finally {
      await setSettings({ signupEnabled: false });
    }
    assertError(await api(url, undefined, "POST", "/api/signup", { name: "Late", email: `late-${unique()}@example.com`, password: "late-password-1" }), 404, "NOT_FOUND");
  });

  test("bad settings are 400 and change nothing", async () => {
    const before = (await api<SettingsDTO>(url, cookies.admin, "GET", "/api/settings")).body;
    for (const body of [{}, { signupEnabled: "yes" }, { requesterPriorities: [] }, { requesterPriorities: ["LOW", "LOW"] }, { requesterPriorities: ["SOON"] }, { other: 1 }]) {
      assertError(await api(url, cookies.admin, "PUT", "/api/settings", body), 400, "VALIDATION");
    }
    assert.deepEqual((await api<SettingsDTO>(url, cookies.admin, "GET", "/api/settings")).body, before);
  });
});

describe("requesters' tickets", () => {
  test("a requester closes and reopens their own ticket, and nothing else", async () => {
    const t = await createTicket(url, cookies.alice, { title: "Close me" });
    const closed = await api<TicketDTO>(url, cookies.alice, "PATCH", `/api/tickets/${t.id}`, { status: "CLOSED" });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.status, "CLOSED");
    assertError(await api(url, cookies.alice, "PATCH", `/api/tickets/${t.id}`, { status: "RESOLVED" }), 403, "FORBIDDEN");
    const reopened = await api<TicketDTO>(url, cookies.alice, "PATCH", `/api/tickets/${t.id}`, { status: "OPEN" });
    assert.equal(reopened.status, 200);
    assert.equal(reopened.body.status, "OPEN");
    for (const status of ["IN_PROGRESS", "WAITING", "RESOLVED", "OPEN"]) {
      assertError(await api(url, cookies.alice, "PATCH", `/api/tickets/${t.id}`, { status }), 403, "FORBIDDEN");
    }
    assertError(await api(url, cookies.bob, "PATCH", `/api/tickets/${t.id}`, { status: "CLOSED" }), 404, "NOT_FOUND");
    assertError(await api(url, cookies.alice, "PATCH", `/api/tickets/${t.id}`, { status: "CLOSED", priority: "LOW" }), 403, "FORBIDDEN");
    const now = await api<TicketDTO>(url, cookies.agent, "GET", `/api/tickets/${t.id}`);
    assert.equal(now.body.status, "OPEN");
    assert.equal(now.body.version, 3, "two changes, none from the refused calls");
    // Staff reopen any ticket from any status.
    assert.equal((await api(url, cookies.agent, "PATCH", `/api/tickets/${t.id}`, { status: "RESOLVED" })).status, 200);
  });

  test("the priorities a requester may choose are a setting, enforced by the server and the form", async () => {
    const count = async () => (await api<{ items: TicketDTO[] }>(url, cookies.alice, "GET", "/api/tickets?limit=100")).body.items.length;
    const before = await count();
    const urgent = await api(url, cookies.alice, "POST", "/api/tickets", { title: "Urgent please", description: "x", priority: "URGENT" });
    assertError(urgent, 400, "VALIDATION");
    assert.ok((urgent.body as ApiErrorBody).error.fields?.priority);
    assert.equal((await createTicket(url, cookies.agent, { title: "Staff urgent", priority: "URGENT" })).priority, "URGENT");
    let form = await (await fetch(`${url}/tickets/new`, { headers: { cookie: cookies.alice } })).text();
    assert.doesNotMatch(form, /<option value="URGENT"/);
    assert.match(form, /<option value="HIGH"/);

    await setSettings({ requesterPriorities: ["LOW", "HIGH"] });
    try {
      assertError(await api(url, cookies.alice, "POST", "/api/tickets", { title: "Medium", description: "x", priority: "MEDIUM" }), 400, "VALIDATION");
      assert.equal((await createTicket(url, cookies.alice, { title: "Default" })).priority, "LOW", "no MEDIUM allowed: the lowest allowed");
      assert.equal((await createTicket(url, cookies.alice, { title: "High", priority: "HIGH" })).priority, "HIGH");
      form = await (await fetch(`${url}/tickets/new`, { headers: { cookie: cookies.alice } })).text();
      assert.doesNotMatch(form, /<option value="MEDIUM"/);
      const staffForm = await (await fetch(`${url}/tickets/new`, { headers: { cookie: cookies.agent } })).text();
      assert.match(staffForm, /<option value="URGENT"/);
    } finally {
      await setSettings({ requesterPriorities: ["LOW", "MEDIUM", "HIGH"] });
    }
    assert.equal(await count(), before + 2, "the refused tickets were not created");
  });
});

describe("audit log", () => {
  test("records who changed which user or setting, with before and after, never passwords or tokens", async () => {
    const email = `jack-${unique()}@example.com`;
    const created = await createUser({ email, name: "Jack", role: "REQUESTER", password: "jack-secret-password" });
    const jack = created.body.user;
    await api(url, cookies.admin, "PATCH", `/api/users/${jack.id}`, { role: "AGENT" });
    await api(url, cookies.admin, "POST", `/api/users/${jack.id}/password`, { password: "jack-other-password" });
    const invite = await reinvite(jack.id);
    await setSettings({ signupEnabled: true });
    await setSettings({ signupEnabled: false });

    const entries = await audit();
    const mine = entries.filter((e) => e.target?.id === jack.id);
    assert.deepEqual(mine.map((e) => e.action).reverse(), ["user:create", "user:update", "user:password", "user:invite"]);
    for (const e of mine) assert.deepEqual(e.actor, { id: users.admin.id, name: users.admin.name });
    const update = mine.find((e) => e.action === "user:update")!;
    assert.deepEqual(update.before, { role: "REQUESTER" });
    assert.deepEqual(update.after, { role: "AGENT" });
    assert.equal(mine.find((e) => e.action === "user:create")!.after!.email, email);
    assert.equal(mine.find((e) => e.action === "user:invite")!.after!.delivery, "link shown to the admin");
    const settings = entries.filter((e) => e.action === "settings:update").slice(0, 2);
    assert.deepEqual(settings[0]!.before, { signupEnabled: true });
    assert.deepEqual(settings[0]!.after, { signupEnabled: false });
    assert.deepEqual(settings[1]!.after, { signupEnabled: true });
    assert.ok(Date.parse(mine[0]!.createdAt) >= Date.parse(mine.at(-1)!.createdAt), "newest first");

    const all = JSON.stringify(entries);
    const token = linkOf(invite.body.invite).split("/").pop()!;
    for (const secret of ["jack-secret-password", "jack-other-password", token, "$argon2"]) assert.ok(!all.includes(secret), secret);
    const page = await (await fetch(`${url}/admin/audit`, { headers: { cookie: cookies.admin } })).text();
    assert.match(page, /Changed user/);
    assert.match(page, new RegExp(email.replace(/[.]/g, "\\.")));
  });
});

describe("audit log: paging", () => {
  test("older entries page by page, none twice or skipped; the page links to them; a bad cursor is 400", async () => {
    type Page = { items: AuditEntryDTO[]; nextCursor: string | null };
    const all = (await api<Page>(url, cookies.admin, "GET", "/api/audit?limit=500")).body.items;
    assert.ok(all.length >= 5, `${all.length} entries`);
    const walked: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res: { status: number; body: Page } = await api(url, cookies.admin, "GET", `/api/audit?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(res.status, 200);
      walked.push(...res.body.items.map((e) => e.id));
      cursor = res.body.nextCursor;
      assert.ok(cursor);
    }
    assert.deepEqual(walked, all.slice(0, 6).map((e) => e.id), "newest first, each once");
    for (const bad of ["cursor=nonsense", "limit=0", "limit=501", "other=1"]) assertError(await api(url, cookies.admin, "GET", `/api/audit?${bad}`), 400, "VALIDATION");
    const first = await (await fetch(`${url}/admin/audit`, { headers: { cookie: cookies.admin } })).text();
    if (all.length > 200) assert.match(first, /Older entries/);
    const older = await (await fetch(`${url}/admin/audit?before=${cursor}`, { headers: { cookie: cookies.admin } })).text();
    assert.match(older, /Newest entries/);
  });
});

describe("audit log: people's own changes", () => {
  test("a rename, a password change and a link used are recorded as the person's own doing, never the password", async () => {
    // (A sign-up's own entry: the self sign-up test, whose address has no sign-ups left.)
    const email = `kim-${unique()}@example.com`;
    const kim = (await createUser({ email, name: "Kim", role: "REQUESTER", password: "kim-password-1" })).body.user;
    const cookie = await signIn(url, email, "kim-password-1");
    assert.equal((await api(url, cookie, "PATCH", "/api/account", { name: "Kim Lee" })).status, 200);
    assert.equal((await api(url, cookie, "PATCH", "/api/account", { name: "Kim Lee" })).status, 200, "the same name again");
    assert.equal((await api(url, cookie, "POST", "/api/account/password", { currentPassword: "kim-password-1", newPassword: "kim-password-2" })).status, 200);
    const link = linkOf((await reinvite(kim.id)).body.invite);
    assert.equal((await api(url, undefined, "POST", "/api/invites/accept", { token: link.split("/").pop(), password: "kim-password-3" })).status, 200);

    const entries = (await audit()).filter((e) => e.target?.id === kim.id).reverse();
    assert.deepEqual(
      entries.map((e) => [e.action, e.actor?.id === kim.id ? "Kim" : e.actor?.id === users.admin.id ? "admin" : String(e.actor?.id)]),
      [
        ["user:create", "admin"],
        ["user:update", "Kim"],
        ["user:password", "Kim"],
        ["user:invite", "admin"],
        ["user:password", "Kim"],
      ],
    );
    assert.deepEqual([entries[1]!.before, entries[1]!.after], [{ name: "Kim" }, { name: "Kim Lee" }]);
    assert.deepEqual(entries[2]!.after, { password: "changed by the user" });
    assert.deepEqual(entries[4]!.after, { password: "set with a link" });
    const all = JSON.stringify(entries);
    for (const secret of ["kim-password-1", "kim-password-2", "kim-password-3", "$argon2"]) assert.ok(!all.includes(secret), secret);
  });
});

describe("operator command", () => {
  /** `npm run user -- …` as the operator runs it (through tsx, like npm does), against `env`. */
  function runUserCommand(args: string[], env: Record<string, string>) {
    const base = { ...(process.env as Record<string, string>) };
    for (const k of ["DATABASE_URL", "REDIS_URL", "APP_URL", "NEXTAUTH_SECRET", "TANDEM_TEST_DB", "DATA_DIR"]) delete base[k];
    return spawnSync(process.execPath, ["--import", "tsx", "scripts/user.ts", ...args], { cwd: ROOT, env: { ...base, ...env } as NodeJS.ProcessEnv, encoding: "utf8", timeout: 120_000 });
  }

  test("create-admin and reset-password on a stopped server's database; refused while the server holds it", { timeout: 240_000 }, async () => {
    const dbEnv: Record<string, string> = onPostgres ? await postgresEnv() : {};
    let own = await startServer({ env: dbEnv });
    const env = { ...dbEnv, DATA_DIR: own.dataDir };
    const email = `ops-${unique()}@example.com`;
    try {
      if (!onPostgres) {
        const busy = runUserCommand(["create-admin", "--email", email, "--name", "Ops"], env);
        assert.equal(busy.status, 1, busy.stdout + busy.stderr);
        assert.match(busy.stderr, /is in use by process \d+/);
        assert.match(busy.stderr, /Stop the Tandem server first/);
      }
      assert.equal(await own.stop(), 0);

      const bad = runUserCommand(["create-admin", "--email", "nope", "--name", "Ops"], env);
      assert.equal(bad.status, 2, bad.stderr);
      assert.match(bad.stderr, /--email: Enter a valid email address/);

      const created = runUserCommand(["create-admin", "--email", email, "--name", "Ops Person", "--password", "ops-password-1"], env);
      assert.equal(created.status, 0, created.stdout + created.stderr);
      assert.match(created.stdout, new RegExp(`Created admin ${email.replace(/[.]/g, "\\.")}`));
      assert.doesNotMatch(created.stdout, /Password:/, "a given password is not printed");
      const again = runUserCommand(["create-admin", "--email", email, "--name", "Ops Person"], env);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /already exists/);

      // As on a deployed install: the configuration in the env file deploy.sh reads, not in the shell.
      const envFile = path.join(own.dataDir, "..", `tandem-${unique()}.env`);
      fs.writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n", { mode: 0o600 });
      const reset = runUserCommand(["reset-password", "--email", "agent@example.com"], { TANDEM_ENV_FILE: envFile });
      fs.rmSync(envFile);
      assert.equal(reset.status, 0, reset.stdout + reset.stderr);
      assert.match(reset.stdout, new RegExp(`Configuration from ${envFile.replace(/[.]/g, "\\.")}; using ${onPostgres ? "PostgreSQL at 127\\.0\\.0\\.1" : "the embedded database in"}`));
      const generated = /Password: (\S+)/.exec(reset.stdout)?.[1];
      assert.ok(generated && generated.length >= 12, reset.stdout);
      const unknown = runUserCommand(["reset-password", "--email", "nobody@example.com", "--password", "whatever-123"], env);
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /No user with email/);

      own = await startServer({ dataDir: own.dataDir, env: dbEnv });
      const cookie = await signIn(own.url, email, "ops-password-1");
      const me = await whoAmI(own.url, cookie);
      assert.equal(me.role, "ADMIN");
      assert.equal((await api(own.url, cookie, "GET", "/api/users")).status, 200);
      await signIn(own.url, "agent@example.com", generated);
      await assert.rejects(signIn(own.url, "agent@example.com"), /sign-in failed/, "the old password is gone");
      const entries = (await api<{ items: AuditEntryDTO[] }>(own.url, cookie, "GET", "/api/audit")).body.items;
      assert.ok(entries.some((e) => e.action === "user:create" && e.actor === null && e.target?.id === me.id));
      assert.ok(entries.some((e) => e.action === "user:password" && e.actor === null && e.target?.email === "agent@example.com"));
    } finally {
      await own.stop();
    }
  });
});
