import "server-only";
import { Prisma } from "../../generated/prisma/client";
import type { Page, SearchField, SessionUser, SnippetSegment, TicketDTO } from "../../shared/dto";
import { effectiveSort, type TListTickets } from "../../shared/schemas/tickets";
import { db, sql as directSql } from "../db";
import { withStatementTimeout } from "../db/with-statement-timeout";
import { env } from "../env";
import { audienceOf, authorizeTagFilter, can, isUnreadFor, searchesInternalNotes, ticketScope } from "../policy";
import { normalizeTag, tagProblem } from "../../shared/schemas/tags";
import { waitForSearchIndex } from "../search/index-lag";
import { ticketListInclude, toTicketDTO } from "../serializers";
import { decodeDateCursor, decodeRankCursor, encodeCursor } from "./list-cursor";

/** More words than this are searched as typed (websearch syntax only, no prefixes or typo alternatives). */
const MAX_FUZZY_WORDS = 8;
/** Words this long get a prefix alternative ("passw" finds "password"); shorter prefixes match too much. */
const MIN_PREFIX_LENGTH = 3;
/** Words this long get typo alternatives: one wrong letter in a shorter word is usually another word. */
const MIN_TYPO_LENGTH = 4;
/** Dictionary words at least this similar (pg_trgm trigram similarity) to a typed word count as its typo. */
const TYPO_SIMILARITY = 0.4;
const TYPO_ALTERNATIVES = 3;

/**
 * Highlight boundaries inside ts_headline's output. Control characters that
 * the source text is stripped of first, so every boundary is one we asked
 * for; the client gets segments, never markup (see toSegments).
 */
const START = "\u0001";
const STOP = "\u0002";
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=24, MinWords=8, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;

/** Searched text is cut to this much before it is headlined: snippets come from the start of long comments. */
const SNIPPET_SOURCE_CHARS = 20_000;

export type ParsedSearch = {
  /** The text as typed, for websearch_to_tsquery ("quoted phrases", -not, or). */
  text: string;
  /** Words that get prefix and typo alternatives; empty when the text uses websearch syntax. */
  words: string[];
  /** A ticket number, for `42` or `#42`. */
  number: number | null;
  /** `#42`: the number only, not the text "42". */
  numberOnly: boolean;
};

/** What the search box's text asks for. */
export function parseSearch(q: string): ParsedSearch {
  const text = q.normalize("NFKC").trim();
  const numberMatch = /^(#?)(\d{1,9})$/.exec(text);
  const all = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  // Quotes, a leading minus or an "or" between words mean the user wrote a
  // query: take it literally rather than widening each word.
  const advanced = /"/.test(text) || /(^|\s)-[\p{L}\p{N}]/u.test(text) || /\sor\s/i.test(text) || all.length > MAX_FUZZY_WORDS;
  return {
    text,
    words: advanced ? [] : all,
    number: numberMatch ? Number(numberMatch[2]) : null,
    numberOnly: Boolean(numberMatch?.[1]),
  };
}

/** ts_headline's output as segments; the boundaries never nest (ts_headline closes each one). */
export function toSegments(headline: string): SnippetSegment[] {
  const segments: SnippetSegment[] = [];
  let hit = false;
  for (const part of headline.split(/([\u0001\u0002])/)) {
    if (part === START) hit = true;
    else if (part === STOP) hit = false;
    else if (part) {
      const last = segments.at(-1);
      if (last && last.hit === hit) last.text += part;
      else segments.push({ text: part, hit });
    }
  }
  return segments;
}

/** `rank` is a numeric (see `rank` below), which raw queries return as a Decimal. */
type Row = { id: string; rank: Prisma.Decimal; tagged: boolean; field: string | null; headline: string | null };

const SORT_COLUMNS = {
  updated_desc: { column: Prisma.sql`m."updatedAt"`, desc: true },
  updated_asc: { column: Prisma.sql`m."updatedAt"`, desc: false },
  created_desc: { column: Prisma.sql`m."createdAt"`, desc: true },
  created_asc: { column: Prisma.sql`m."createdAt"`, desc: false },
} as const;

/**
 * Full-text search over the tickets `actor` may see: titles, descriptions,
 * public comments, requester name and email, ticket numbers, and internal
 * notes for those who may read them (policy.searchesInternalNotes). Each word
 * matches as typed (stemmed), as a prefix, or as one of the indexed words it
 * is a likely typo of. Ranked (title over description over comments over
 * requester) unless `query.sort` asks for a date order; either way pages are
 * keyset-paginated. Every hit carries a snippet of where it matched.
 *
 * A requester's query never touches note text: it reads only the public
 * vector, looks typos up only among public words, and takes snippets only
 * from public text, so adding a note changes nothing they can get.
 */
export async function searchTickets(actor: SessionUser, query: TListTickets & { q: string }): Promise<Page<TicketDTO>> {
  authorizeTagFilter(actor, query.tag);
  const parsed = parseSearch(query.q);
  const staff = searchesInternalNotes(actor);
  const sort = effectiveSort(query);
  const scope = ticketScope(actor);
  if (!parsed.words.length && parsed.number === null && !/[\p{L}\p{N}]/u.test(parsed.text)) return { items: [], nextCursor: null };

  const filters: Prisma.Sql[] = [];
  if (scope.requesterId !== undefined) filters.push(Prisma.sql`t."requesterId" = ${scope.requesterId}`);
  if (query.status) filters.push(Prisma.sql`t."status" = ${query.status}::"TicketStatus"`);
  if (query.state === "open") filters.push(Prisma.sql`t."status" NOT IN ('RESOLVED', 'CLOSED')`);
  if (query.priority) filters.push(Prisma.sql`t."priority" = ${query.priority}::"TicketPriority"`);
  if (query.tag) {
    filters.push(Prisma.sql`EXISTS (SELECT 1 FROM "TicketTag" tt JOIN "Tag" g ON g."id" = tt."tagId" WHERE tt."ticketId" = t."id" AND g."name" = ${query.tag})`);
  }
  if (query.assignee === "none") filters.push(Prisma.sql`t."assigneeId" IS NULL`);
  else if (query.assignee === "me") filters.push(Prisma.sql`t."assigneeId" = ${actor.id}`);
  else if (query.assignee) filters.push(Prisma.sql`t."assigneeId" = ${query.assignee}`);
  const where = filters.length ? Prisma.join(filters, " AND ") : Prisma.sql`TRUE`;

  // The number alone for "#42"; the number or the text for "42".
  const numberHit = parsed.number === null ? Prisma.sql`FALSE` : Prisma.sql`t."number" = ${parsed.number}`;
  // Staff (who see tags) also find a ticket by a tag typed whole, as written
  // or as the tag box writes it ("VIP customer" is vip-customer): tags are
  // not in the text index, and agents search for them as they do in Zendesk.
  const tagName = normalizeTag(query.q);
  const tagHit =
    can(actor, "ticket:tag") && !tagProblem(tagName)
      ? Prisma.sql`EXISTS (SELECT 1 FROM "TicketTag" tt JOIN "Tag" g ON g."id" = tt."tagId" WHERE tt."ticketId" = t."id" AND g."name" = ${tagName})`
      : Prisma.sql`FALSE`;
  const textHit = parsed.numberOnly
    ? Prisma.sql`FALSE`
    : staff
      ? Prisma.sql`(s."public" @@ q.fuzzy OR s."internal" @@ q.fuzzy)`
      : Prisma.sql`s."public" @@ q.fuzzy`;
  // Weights {D, C, B, A}: requester, comments, description, title. An exact
  // (stemmed) match counts on top of the widened one, so "password" ranks a
  // ticket saying "password" above one saying "passwords-reset" or "pasword".
  const weights = Prisma.sql`'{0.05, 0.2, 0.4, 1.0}'::float4[]`;
  const publicRank = Prisma.sql`ts_rank(${weights}, s."public", q.fuzzy) + ts_rank(${weights}, s."public", q.exact)`;
  // Rounded to a numeric of six decimals: the cursor carries the rank back,
  // and a float8 comes out of PostgreSQL as text with 15 significant digits
  // (extra_float_digits), not exactly, so a page after a tie at a rank
  // compared "=" and "<" against a neighbour of it: the next page repeated
  // the first or came back empty. A decimal of six places survives the trip.
  const rank = Prisma.sql`round((CASE WHEN ${numberHit} THEN 10 ELSE 0 END + CASE WHEN ${tagHit} THEN 1 ELSE 0 END + ${
    parsed.numberOnly ? Prisma.sql`0` : staff ? Prisma.sql`${publicRank} + 0.2 * (ts_rank(s."internal", q.fuzzy) + ts_rank(s."internal", q.exact))` : publicRank
  })::numeric, 6)`;

  const order =
    sort === "relevance"
      ? Prisma.sql`m."rank" DESC, m."id" DESC`
      : SORT_COLUMNS[sort].desc
        ? Prisma.sql`${SORT_COLUMNS[sort].column} DESC, m."id" DESC`
        : Prisma.sql`${SORT_COLUMNS[sort].column} ASC, m."id" ASC`;
  let after = Prisma.sql`TRUE`;
  if (query.cursor && sort === "relevance") {
    const c = decodeRankCursor(query.cursor);
    after = Prisma.sql`(m."rank" < ${c.r}::numeric OR (m."rank" = ${c.r}::numeric AND m."id" < ${c.id}))`;
  } else if (query.cursor && sort !== "relevance") {
    const c = decodeDateCursor(query.cursor);
    const { column, desc } = SORT_COLUMNS[sort];
    // Stored as UTC timestamp(3) without a zone: the ISO string's "Z" is ignored, as Prisma writes them.
    after = desc
      ? Prisma.sql`(${column} < ${c.v}::timestamp(3) OR (${column} = ${c.v}::timestamp(3) AND m."id" < ${c.id}))`
      : Prisma.sql`(${column} > ${c.v}::timestamp(3) OR (${column} = ${c.v}::timestamp(3) AND m."id" > ${c.id}))`;
  }

  // Per word: the word stemmed, the word as a prefix, and up to three
  // dictionary words it is a likely typo of (requesters: public words only).
  const words = parsed.words.length ? parsed.words : [""];
  const sql = Prisma.sql`
    WITH words AS (
      SELECT w, coalesce((tsvector_to_array(to_tsvector('tandem_search', w)))[1], w) AS stem
      FROM unnest(${words}::text[]) AS w WHERE w <> ''
    ),
    alternatives AS (
      SELECT w, tsquery_or_agg(alt) AS alt FROM (
        SELECT w, plainto_tsquery('tandem_search', w) AS alt FROM words
        UNION ALL
        SELECT w, to_tsquery('simple', quote_literal(w) || ':*') FROM words WHERE length(w) >= ${MIN_PREFIX_LENGTH}
        UNION ALL
        SELECT words.w, plainto_tsquery('simple', typo.term) FROM words, LATERAL (
          SELECT DISTINCT st."term", similarity(st."term", words.stem) AS sim FROM "SearchTerm" st
          WHERE st."term" % words.stem AND similarity(st."term", words.stem) >= ${TYPO_SIMILARITY}
            AND ${staff ? Prisma.sql`TRUE` : Prisma.sql`NOT st."internal"`}
          ORDER BY sim DESC, st."term" LIMIT ${TYPO_ALTERNATIVES}
        ) typo WHERE length(words.w) >= ${MIN_TYPO_LENGTH}
      ) x GROUP BY w
    ),
    q AS (
      SELECT websearch_to_tsquery('tandem_search', ${parsed.text}) AS exact,
        websearch_to_tsquery('tandem_search', ${parsed.text}) || coalesce((SELECT tsquery_and_agg(alt) FROM alternatives), ''::tsquery) AS fuzzy
    ),
    m AS (
      SELECT t."id", t."updatedAt", t."createdAt", ${rank} AS "rank", ${tagHit} AS "tagged"
      FROM "Ticket" t JOIN "TicketSearch" s ON s."ticketId" = t."id" CROSS JOIN q
      WHERE (${textHit} OR ${numberHit} OR ${tagHit}) AND ${where}
    ),
    page AS (
      SELECT m.* FROM m WHERE ${after} ORDER BY ${order} LIMIT ${query.limit + 1}
    )
    SELECT m."id", m."rank", m."tagged", snip."field",
      CASE WHEN snip."body" IS NULL THEN NULL
        ELSE ts_headline('tandem_search', translate(left(snip."body", ${SNIPPET_SOURCE_CHARS}), ${START + STOP}, ''), q.fuzzy, ${HEADLINE_OPTIONS})
      END AS "headline"
    FROM page m CROSS JOIN q
    LEFT JOIN LATERAL (
      -- Where to quote from: the first source that matches, the newest comment first.
      SELECT src."field", src."body" FROM (
        SELECT 1 AS k, 'description' AS "field", NULL::timestamp AS "at", t."description" AS "body" FROM "Ticket" t WHERE t."id" = m."id"
        UNION ALL
        SELECT CASE WHEN c."internal" THEN 3 ELSE 2 END, CASE WHEN c."internal" THEN 'note' ELSE 'comment' END, c."createdAt", c."body"
        FROM "Comment" c WHERE c."ticketId" = m."id" ${staff ? Prisma.empty : Prisma.sql`AND NOT c."internal"`}
        UNION ALL
        SELECT 4, 'requester', NULL, u."name" || ' <' || u."email" || '>' FROM "Ticket" t JOIN "User" u ON u."id" = t."requesterId" WHERE t."id" = m."id"
        UNION ALL
        SELECT 5, 'title', NULL, t."title" FROM "Ticket" t WHERE t."id" = m."id"
      ) src
      WHERE ${parsed.numberOnly ? Prisma.sql`FALSE` : Prisma.sql`to_tsvector('tandem_search', left(src."body", ${SNIPPET_SOURCE_CHARS})) @@ q.fuzzy`}
      ORDER BY src.k, src."at" DESC NULLS LAST
      LIMIT 1
    ) snip ON TRUE
    ORDER BY ${order}`;

  // Replies are indexed just after they commit: this search sees every one
  // committed before it began (../search/index-lag.ts).
  await waitForSearchIndex(directSql());
  const { rows, tickets } = await withStatementTimeout(db(), env().LIST_STATEMENT_TIMEOUT_MS, async (tx) => {
    const rows = await tx.$queryRaw<Row[]>(sql);
    const page = rows.slice(0, query.limit);
    // Loaded through ticketScope again: the SQL above applies it, this makes sure.
    const tickets = await tx.ticket.findMany({
      where: { AND: [scope, { id: { in: page.map((r) => r.id) } }] },
      include: { ...ticketListInclude, reads: { where: { userId: actor.id }, select: { seq: true } } },
    });
    return { rows, tickets };
  });
  const byId = new Map(tickets.map((t) => [t.id, t]));
  const page = rows.slice(0, query.limit);
  const items: TicketDTO[] = [];
  for (const row of page) {
    const t = byId.get(row.id);
    if (!t) continue;
    const byTag = row.field === null && row.tagged;
    const field = (byTag ? "tag" : (row.field ?? (parsed.number !== null && t.number === parsed.number ? "number" : "title"))) as SearchField;
    const snippet = byTag ? [{ text: tagName, hit: true }] : row.headline === null ? [] : toSegments(row.headline);
    items.push({
      ...toTicketDTO(t, audienceOf(actor)),
      unread: isUnreadFor(actor, t, t.reads[0]?.seq ?? 0),
      search: { rank: Number(row.rank), field, snippet },
    });
  }
  const last = page.at(-1);
  const lastTicket = last ? byId.get(last.id) : undefined;
  let nextCursor: string | null = null;
  if (rows.length > query.limit && last) {
    if (sort === "relevance") nextCursor = encodeCursor({ r: Number(last.rank), id: last.id });
    else if (lastTicket) nextCursor = encodeCursor({ v: lastTicket[sort.startsWith("updated") ? "updatedAt" : "createdAt"].toISOString(), id: last.id });
  }
  return { items, nextCursor };
}
