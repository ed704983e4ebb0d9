/**
 * Issue 10, "search that finds what was said": GET /api/tickets?q= against
 * the real server (production build), on PGlite by default and on PostgreSQL
 * with TANDEM_TEST_DB=postgres. Words are made up per run so the seeded
 * tickets never match by chance.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { CommentDTO, Page, TicketDTO } from "../../src/shared/dto";
import { api, signIn, startServer, type TestServer } from "../helpers/server";
import { createTicket, whoAmI, type Me } from "./support";

let server: TestServer;
let url: string;
const cookies: Record<"agent" | "alice" | "bob", string> = { agent: "", alice: "", bob: "" };
const users = {} as Record<keyof typeof cookies, Me>;

before(async () => {
  server = await startServer();
  url = server.url;
  for (const who of Object.keys(cookies) as (keyof typeof cookies)[]) {
    cookies[who] = await signIn(url, `${who}@example.com`);
    users[who] = await whoAmI(url, cookies[who]);
  }
});

after(async () => {
  assert.equal(await server?.stop(), 0, "graceful shutdown exits 0");
});

/** A made-up word of letters only (stemming leaves it alone: it ends in "x"). */
function word(): string {
  const letters = "bcdfghjklmnpqrstvwz";
  let w = "";
  for (const b of randomBytes(9)) w += `${letters[b % letters.length]}${"aeiou"[b % 5]}`;
  return `${w}x`;
}

async function search(who: keyof typeof cookies, q: string, extra: Record<string, string> = {}) {
  const res = await api<Page<TicketDTO>>(url, cookies[who], "GET", `/api/tickets?${new URLSearchParams({ q, ...extra })}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

const ids = async (who: keyof typeof cookies, q: string) => (await search(who, q)).items.map((t) => t.id);

async function comment(who: keyof typeof cookies, ticketId: string, body: string, internal = false): Promise<CommentDTO> {
  const res = await api<CommentDTO>(url, cookies[who], "POST", `/api/tickets/${ticketId}/comments`, { body, internal });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** The words of a snippet that were highlighted. */
const highlighted = (t: TicketDTO | undefined) => (t?.search?.snippet ?? []).filter((s) => s.hit).map((s) => s.text.toLowerCase());

describe("what search finds", () => {
  test("a word said only in a public comment finds the ticket, with a snippet that highlights it", async () => {
    const w = word();
    const ticket = await createTicket(url, cookies.alice, { title: "Printer trouble", description: "It prints blank pages." });
    await comment("agent", ticket.id, `Please try the ${w} setting in the driver dialog and tell us.`);
    for (const who of ["agent", "alice"] as const) {
      const page = await search(who, w);
      assert.deepEqual(page.items.map((t) => t.id), [ticket.id], who);
      const hit = page.items[0]!;
      assert.equal(hit.search?.field, "comment");
      assert.deepEqual(highlighted(hit), [w]);
      assert.ok(hit.search!.rank > 0);
      assert.match(hit.search!.snippet.map((s) => s.text).join(""), /setting in the driver/);
    }
    assert.deepEqual(await ids("bob", w), [], "another requester does not find it");
  });

  test("a prefix and a one-letter typo find it too", async () => {
    const w = word();
    const ticket = await createTicket(url, cookies.alice, { title: "Scanner", description: "Scans come out dark." });
    await comment("agent", ticket.id, `The ${w} module needs an update.`);
    assert.deepEqual(await ids("agent", w.slice(0, 6)), [ticket.id], "prefix");
    const typo = `${w.slice(0, 4)}${w[4] === "q" ? "r" : "q"}${w.slice(5)}`;
    assert.deepEqual(await ids("agent", typo), [ticket.id], `typo ${typo} for ${w}`);
    assert.deepEqual(await ids("alice", typo), [ticket.id], "requesters get typo help from public words");
    const hit = (await search("agent", w.slice(0, 6))).items[0];
    assert.deepEqual(highlighted(hit), [w], "the whole word is highlighted for a prefix");
  });

  test("requester name and email, and #number", async () => {
    const ticket = await createTicket(url, cookies.bob, { title: `Keyboard ${word()}`, description: "Keys stick." });
    const byName = await ids("agent", "Bob Requester");
    assert.ok(byName.includes(ticket.id));
    const byEmail = await search("agent", "bob@example.com");
    assert.ok(byEmail.items.some((t) => t.id === ticket.id));
    assert.ok(byEmail.items.every((t) => t.requester.id === users.bob.id), "only Bob's tickets");
    assert.equal(byEmail.items.find((t) => t.id === ticket.id)?.search?.field, "requester");
    assert.deepEqual(await ids("agent", `#${ticket.number}`), [ticket.id]);
    assert.equal((await ids("agent", String(ticket.number)))[0], ticket.id, "a bare number puts that ticket first");
    assert.deepEqual(await ids("alice", `#${ticket.number}`), [], "not someone else's ticket");
  });

  test("a title hit ranks above a description hit, which ranks above a comment hit", async () => {
    const w = word();
    const inComment = await createTicket(url, cookies.alice, { title: "First", description: "Nothing to see." });
    await comment("alice", inComment.id, `Also ${w} happened.`);
    const inDescription = await createTicket(url, cookies.alice, { title: "Second", description: `The ${w} broke.` });
    const inTitle = await createTicket(url, cookies.alice, { title: `${w} is down`, description: "Help." });
    for (const who of ["agent", "alice"] as const) {
      const page = await search(who, w);
      assert.deepEqual(page.items.map((t) => t.id), [inTitle.id, inDescription.id, inComment.id], who);
      const ranks = page.items.map((t) => t.search!.rank);
      assert.ok(ranks[0]! > ranks[1]! && ranks[1]! > ranks[2]!, String(ranks));
    }
    // Ranked pages walk with a cursor, without duplicates.
    const first = await search("agent", w, { limit: "2" });
    assert.equal(first.items.length, 2);
    assert.ok(first.nextCursor);
    const second = await search("agent", w, { limit: "2", cursor: first.nextCursor });
    assert.deepEqual([...first.items, ...second.items].map((t) => t.id), [inTitle.id, inDescription.id, inComment.id]);
    assert.equal(second.nextCursor, null);
    // An explicit date sort keeps the date order (and its keyset cursor).
    const oldest = await search("agent", w, { sort: "created_asc" });
    assert.deepEqual(oldest.items.map((t) => t.id), [inComment.id, inDescription.id, inTitle.id]);
  });

  test("ranked pages reach every hit when the hits tie on rank", async () => {
    const w = word();
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await createTicket(url, cookies.alice, { title: `${w} case ${i}`, description: "Same words each time." })).id);
    for (const who of ["agent", "alice"] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 5; page++) {
        const res: Page<TicketDTO> = await search(who, w, { limit: "3", ...(cursor ? { cursor } : {}) });
        seen.push(...res.items.map((t) => t.id));
        cursor = res.nextCursor;
        if (!cursor) break;
      }
      assert.deepEqual([...seen].sort(), [...made].sort(), `${who}: each tied hit once`);
    }
  });

  test("filters combine with search", async () => {
    const w = word();
    const a = await createTicket(url, cookies.alice, { title: `${w} one`, priority: "LOW" });
    const b = await createTicket(url, cookies.alice, { title: `${w} two`, priority: "HIGH" });
    assert.deepEqual((await search("agent", w, { priority: "HIGH" })).items.map((t) => t.id), [b.id]);
    assert.deepEqual((await search("agent", w, { priority: "LOW" })).items.map((t) => t.id), [a.id]);
  });
});

describe("internal notes and requesters", () => {
  test("staff find a ticket by a note's word; its requester finds nothing, and nothing else changes for them", async () => {
    const common = word();
    const secret = word();
    const ticket = await createTicket(url, cookies.alice, { title: `Laptop ${common}`, description: `My ${common} laptop is slow.` });
    await comment("alice", ticket.id, `Still ${common} slow today.`);
    const otherQueries = [common, common.slice(0, 6), "laptop", `#${ticket.number}`, `${common} slow`];
    const before: Record<string, Page<TicketDTO>> = {};
    for (const q of otherQueries) before[q] = await search("alice", q);

    // Notes that say the secret word, the common word, and a near-typo of the common word.
    await comment("agent", ticket.id, `Internal: ${secret} suspected, do not tell. ${common} ${common}`, true);
    await comment("agent", ticket.id, `${common.slice(0, -1)}z ${secret} again`, true);

    const staffHit = (await search("agent", secret)).items;
    assert.deepEqual(staffHit.map((t) => t.id), [ticket.id], "staff find it by the note");
    assert.equal(staffHit[0]!.search?.field, "note");
    assert.deepEqual(highlighted(staffHit[0]), [secret]);

    assert.deepEqual(await ids("alice", secret), [], "the requester cannot find it by the note's word");
    assert.deepEqual(await ids("alice", secret.slice(0, 6)), [], "nor by its prefix");
    const typo = `${secret.slice(0, 4)}${secret[4] === "q" ? "r" : "q"}${secret.slice(5)}`;
    assert.deepEqual(await ids("alice", typo), [], "nor by a typo of it");
    for (const q of otherQueries) {
      const now = await search("alice", q);
      assert.deepEqual(now, before[q], `requester's results for ${JSON.stringify(q)} are identical (ids, ranks, snippets)`);
      const text = JSON.stringify(now);
      assert.ok(!text.includes(secret) && !text.includes("Internal:"), "no note text in anything they get");
    }
  });
});

describe("bad queries", () => {
  test("too long or with NUL is 400; punctuation alone finds nothing", async () => {
    for (const q of ["x".repeat(201), "a\u0000b"]) {
      const res = await api(url, cookies.agent, "GET", `/api/tickets?${new URLSearchParams({ q })}`);
      assert.equal(res.status, 400, JSON.stringify(q.slice(0, 10)));
    }
    for (const q of ["%", "_", "\\", "'", "!!", "& | !", "():*"]) assert.deepEqual(await ids("agent", q), [], q);
    const res = await api(url, cookies.agent, "GET", `/api/tickets?q=abc&cursor=${encodeURIComponent(Buffer.from('{"r":"x","id":"a"}').toString("base64url"))}`);
    assert.equal(res.status, 400, "a malformed rank cursor");
  });

  test("tsquery syntax in the text is text, not syntax", async () => {
    const w = word();
    const ticket = await createTicket(url, cookies.alice, { title: `Mail ${w}`, description: "Undelivered." });
    for (const q of [`${w}:*`, `${w} & !`, `'${w}'`, `${w}|`, `"${w}"`, `mail -${word()}`]) {
      assert.ok((await ids("agent", q)).includes(ticket.id), q);
    }
  });
});
