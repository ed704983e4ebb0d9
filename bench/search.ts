/**
 * `npm run bench:search`: search latency on PostgreSQL at helpdesk scale.
 *
 * Generates BENCH_TICKETS tickets (default 100 000) with BENCH_COMMENTS
 * comments (default 1 000 000, one in ten an internal note) from a
 * vocabulary of 60 helpdesk words and about 3 900 made-up ones, drawn with a
 * skewed distribution so a few words are very common and most are rare.
 * Rows are made by generate_series inside PostgreSQL from a pool of random
 * texts (see "text pool" below); the search index is
 * then built in one pass (the per-row triggers are off during the load, as
 * for any bulk import), which is what the migration's backfill does too.
 *
 * Then the production server runs on that database and every query is sent
 * as GET /api/tickets?q=… (what the list page does), BENCH_RUNS times each
 * after two warm-up runs, as an agent and as a requester with 1% of the
 * tickets; p50/p95 are end-to-end milliseconds. Nothing here asserts a
 * threshold. Smaller runs: BENCH_TICKETS=10000 BENCH_COMMENTS=100000.
 * Uses a throwaway PostgreSQL cluster (tests/helpers/services.ts).
 */
import pg from "pg";
import { api, postgresEnv, signIn, startServer } from "../tests/helpers/server";

const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);
const COMMENTS = Number(process.env.BENCH_COMMENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
/** Texts drawn word by word, of which tickets and comments are made. */
const POOL = 50_000;

const HEAD_WORDS =
  "password reset printer network email login account error server slow crash update install laptop screen keyboard mouse vpn wifi connection access permission folder file share drive backup restore license software hardware phone mobile calendar meeting invoice payment refund order delivery shipping address billing report dashboard export import sync timeout certificate browser cache cookie session token database migration upgrade".split(
    " ",
  );

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function generate(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const step = async (label: string, sql: string, params: unknown[] = []) => {
    const t0 = Date.now();
    await client.query(sql, params);
    console.log(`  ${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  try {
    console.log(`generating ${TICKETS} tickets and ${COMMENTS} comments…`);
    await step(
      "vocabulary",
      `CREATE TABLE bench_vocab AS
       SELECT array_cat($1::text[], (SELECT array_agg(w ORDER BY md5(w)) FROM (
         SELECT a || b || c AS w FROM unnest($2::text[]) a, unnest($2::text[]) b, unnest($2::text[]) c) x
         WHERE md5(w) < '4') ) AS words`,
      [HEAD_WORDS, ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "su", "da", "fo", "gu", "hi", "jo", "le", "ma", "no", "pi", "re", "sa", "tu", "we", "xo", "yu"]],
    );
    // A pool of texts drawn word by word, skewed (word i falls off like a
    // power law), in one PL/pgSQL call that holds the vocabulary in memory;
    // tickets and comments are then made of pairs of pool texts, picked by
    // multiplicative hashing, so 1M comments take seconds, not an hour.
    await step(
      "text pool",
      `CREATE TABLE bench_pool ("id" INT PRIMARY KEY, "body" TEXT NOT NULL);
       CREATE FUNCTION bench_fill(n INT) RETURNS VOID LANGUAGE plpgsql AS $$
       DECLARE
         w TEXT[] := (SELECT words FROM bench_vocab);
         nw INT := array_length(w, 1);
         parts TEXT[];
       BEGIN
         FOR k IN 1..n LOOP
           parts := '{}';
           FOR j IN 1..(4 + floor(random() * 21)::int) LOOP
             parts := parts || w[1 + floor(power(random(), 3) * nw)::int];
           END LOOP;
           INSERT INTO bench_pool VALUES (k, array_to_string(parts, ' '));
         END LOOP;
       END $$;
       SELECT bench_fill(${POOL})`,
    );
    await step("search triggers and GIN indexes off for the load", `
      ALTER TABLE "Ticket" DISABLE TRIGGER "Ticket_search";
      ALTER TABLE "Comment" DISABLE TRIGGER "Comment_search";
      DROP INDEX "TicketSearch_public_idx";
      DROP INDEX "TicketSearch_internal_idx"`);
    const pick = (i: string, prime: number) => `(1 + (${i}::bigint * ${prime}) % ${POOL})`;
    await step(
      "users",
      `INSERT INTO "User" ("id", "name", "email", "passwordHash", "role", "updatedAt")
       SELECT 'bu' || i, initcap(split_part(a."body", ' ', 1) || ' ' || split_part(b."body", ' ', 2)), 'user' || i || '@bench.example', 'x', 'REQUESTER', now()
       FROM generate_series(1, 2000) i JOIN bench_pool a ON a."id" = ${pick("i", 7)} JOIN bench_pool b ON b."id" = ${pick("i", 13)}`,
    );
    await step(
      "tickets",
      `INSERT INTO "Ticket" ("id", "title", "description", "requesterId", "createdAt", "updatedAt")
       SELECT 'bt' || i, initcap(array_to_string((string_to_array(a."body", ' '))[1:3 + i % 5], ' ')), b."body" || ' ' || c."body",
         CASE WHEN i % 100 = 0 THEN (SELECT "id" FROM "User" WHERE "email" = 'alice@example.com') ELSE 'bu' || (1 + i % 2000) END,
         now() - make_interval(secs => i), now() - make_interval(secs => i)
       FROM generate_series(1, $1::int) i
       JOIN bench_pool a ON a."id" = ${pick("i", 7919)} JOIN bench_pool b ON b."id" = ${pick("i", 104729)} JOIN bench_pool c ON c."id" = ${pick("i", 1299709)}`,
      [TICKETS],
    );
    await step(
      "comments",
      `INSERT INTO "Comment" ("id", "ticketId", "authorId", "body", "internal", "createdAt")
       SELECT 'bc' || i, 'bt' || (1 + (i::bigint * 7919) % $2::int),
         (SELECT "id" FROM "User" WHERE "email" = 'agent@example.com'),
         a."body" || ' ' || b."body", i % 10 = 0, now() - make_interval(secs => i % 100000)
       FROM generate_series(1, $1::int) i JOIN bench_pool a ON a."id" = ${pick("i", 15485863)} JOIN bench_pool b ON b."id" = ${pick("i", 32452843)}`,
      [COMMENTS, TICKETS],
    );
    await step("index: TicketSearch rows", `SELECT tandem_search_refresh("id") FROM "Ticket" WHERE "id" LIKE 'bt%'`);
    await step("index: GIN", `
      CREATE INDEX "TicketSearch_public_idx" ON "TicketSearch" USING GIN ("public");
      CREATE INDEX "TicketSearch_internal_idx" ON "TicketSearch" USING GIN ("internal")`);
    // Every indexed text is made of vocabulary words, so the dictionary is the vocabulary's lexemes.
    await step("index: typo dictionary", `
      SELECT tandem_search_learn(array_to_string(words, ' '), false) FROM bench_vocab;
      SELECT tandem_search_learn(array_to_string(words, ' '), true) FROM bench_vocab`);
    await step("triggers on, ANALYZE", `
      ALTER TABLE "Ticket" ENABLE TRIGGER "Ticket_search";
      ALTER TABLE "Comment" ENABLE TRIGGER "Comment_search";
      ANALYZE`);
    const { rows } = await client.query<{ words: string[] }>(`SELECT words FROM bench_vocab`);
    const size = await client.query<{ size: string }>(`SELECT pg_size_pretty(pg_total_relation_size('"TicketSearch"')) AS size`);
    console.log(`  TicketSearch with indexes: ${size.rows[0]!.size}`);
    return rows[0]!.words;
  } finally {
    await client.end();
  }
}

async function main() {
  // A throwaway PostgreSQL, migrated and seeded like the test servers' (removed when this process exits).
  const dbEnv = await postgresEnv();
  const words = await generate(dbEnv.DATABASE_URL);
  // A mid-frequency made-up word (drawn now and then), a rare one, and their prefix and typo.
  const mid = words[HEAD_WORDS.length + 40]!;
  const rare = words[words.length - 10]!;
  const typo = (w: string) => w.slice(0, 3) + (w[3] === "x" ? "q" : "x") + w.slice(4);
  const queries: Array<[string, string]> = [
    ["common word", "password"],
    ["two words", "printer network"],
    ["mid word", mid],
    ["rare word", rare],
    ["prefix", mid.slice(0, 4)],
    ["prefix (head)", "passw"],
    ["typo", typo(mid)],
    ["typo (head)", "pasword"],
    ["#number", `#${Math.floor(TICKETS / 2)}`],
    ["requester email", "user42@bench.example"],
    ["no search (list)", ""],
  ];

  const server = await startServer({ env: { ...dbEnv, LIST_STATEMENT_TIMEOUT_MS: "120000" } });
  try {
    const who = { agent: await signIn(server.url, "agent@example.com"), requester: await signIn(server.url, "alice@example.com") };
    const table: string[] = [];
    table.push(`| query | text | as | hits (page) | p50 ms | p95 ms |`, `|---|---|---|---|---|---|`);
    for (const [label, q] of queries) {
      for (const [role, cookie] of Object.entries(who)) {
        const path = `/api/tickets?${new URLSearchParams(q ? { q } : {})}`;
        const times: number[] = [];
        let hits = 0;
        for (let i = 0; i < RUNS + 2; i++) {
          const t0 = performance.now();
          const res = await api<{ items: unknown[] }>(server.url, cookie, "GET", path);
          const ms = performance.now() - t0;
          if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
          hits = res.body.items.length;
          if (i >= 2) times.push(ms);
        }
        times.sort((a, b) => a - b);
        table.push(`| ${label} | ${q || "–"} | ${role} | ${hits} | ${pct(times, 50).toFixed(1)} | ${pct(times, 95).toFixed(1)} |`);
      }
    }
    console.log(`\nsearch on PostgreSQL, ${TICKETS} tickets, ${COMMENTS} comments, ${RUNS} runs each (end-to-end HTTP, page of 25):\n`);
    console.log(table.join("\n"));
  } finally {
    await server.stop();
  }
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
