-- Full-text search (issue 10). Every ticket has one row in "TicketSearch"
-- holding two weighted tsvectors: "public" (title A, description B, public
-- comments C, requester name and email D) and "internal" (internal notes
-- only). Requesters' queries read "public" alone, so a note can never match,
-- rank or be quoted for them (src/server/tickets/search-tickets.ts).
-- "SearchTerm" is the dictionary of indexed lexemes, split the same way, that
-- pg_trgm looks typos up in (the approach of the pg_trgm documentation:
-- similar words first, then an ordinary full-text query with them).
-- Triggers keep both current in the transaction that changes a ticket, a
-- comment or a user, so a search never sees a half-indexed write (README, Search).
-- Works the same on PGlite (src/server/db/adapters.ts loads pg_trgm) and PostgreSQL.
-- No semicolons in these comments: see src/server/db/adapters.ts.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- English stemming without the English stop-word list: "again" or "not"
-- are words people search for in a helpdesk, and stop words would turn such
-- a query into no query at all.
CREATE TEXT SEARCH DICTIONARY tandem_english_stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH CONFIGURATION tandem_search (COPY = english);
ALTER TEXT SEARCH CONFIGURATION tandem_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH tandem_english_stem;

CREATE TABLE "TicketSearch" (
    "ticketId" TEXT NOT NULL,
    "public" TSVECTOR NOT NULL,
    "internal" TSVECTOR NOT NULL,
    CONSTRAINT "TicketSearch_pkey" PRIMARY KEY ("ticketId"),
    CONSTRAINT "TicketSearch_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "TicketSearch_public_idx" ON "TicketSearch" USING GIN ("public");
CREATE INDEX "TicketSearch_internal_idx" ON "TicketSearch" USING GIN ("internal");

-- A lexeme seen in public text has a row with internal = false, one seen in
-- an internal note a row with internal = true (a lexeme may have both).
-- Requesters look typos up among internal = false only.
CREATE TABLE "SearchTerm" (
    "term" TEXT NOT NULL,
    "internal" BOOLEAN NOT NULL,
    CONSTRAINT "SearchTerm_pkey" PRIMARY KEY ("term", "internal")
);
CREATE INDEX "SearchTerm_term_trgm_idx" ON "SearchTerm" USING GIN ("term" gin_trgm_ops);

-- Comment text indexed per ticket and vector is capped (the newest text is
-- kept): a tsvector cannot exceed 1 MB, and an over-long one would make the
-- next comment on that ticket fail. 200 000 characters stay far below it.
CREATE FUNCTION tandem_search_refresh(ticket_id TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "TicketSearch" ("ticketId", "public", "internal")
    SELECT t."id",
        setweight(to_tsvector('tandem_search', t."title"), 'A')
        || setweight(to_tsvector('tandem_search', t."description"), 'B')
        || setweight(to_tsvector('tandem_search', left(coalesce((
            SELECT string_agg(c."body", E'\n' ORDER BY c."createdAt" DESC, c."id" DESC)
            FROM "Comment" c WHERE c."ticketId" = t."id" AND NOT c."internal"), ''), 200000)), 'C')
        || setweight(to_tsvector('tandem_search', u."name" || ' ' || u."email"), 'D'),
        to_tsvector('tandem_search', left(coalesce((
            SELECT string_agg(c."body", E'\n' ORDER BY c."createdAt" DESC, c."id" DESC)
            FROM "Comment" c WHERE c."ticketId" = t."id" AND c."internal"), ''), 200000))
    FROM "Ticket" t JOIN "User" u ON u."id" = t."requesterId"
    WHERE t."id" = ticket_id
    ON CONFLICT ("ticketId") DO UPDATE SET "public" = EXCLUDED."public", "internal" = EXCLUDED."internal";
END
$$;

-- Adds the lexemes of some text to the typo dictionary (never removes: a
-- stale word only costs a dictionary row, and removal would need counting).
CREATE FUNCTION tandem_search_learn(body TEXT, is_internal BOOLEAN) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "SearchTerm" ("term", "internal")
    SELECT DISTINCT lexeme, is_internal
    FROM unnest(tsvector_to_array(to_tsvector('tandem_search', left(body, 200000)))) AS lexeme
    WHERE length(lexeme) BETWEEN 3 AND 40
    ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION tandem_search_ticket_trigger() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tandem_search_refresh(NEW."id");
    PERFORM tandem_search_learn(NEW."title" || ' ' || NEW."description", false);
    RETURN NULL;
END
$$;

CREATE FUNCTION tandem_search_comment_trigger() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM tandem_search_refresh(OLD."ticketId");
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF TG_OP = 'INSERT' OR NEW."ticketId" <> OLD."ticketId" THEN
            PERFORM tandem_search_refresh(NEW."ticketId");
        END IF;
        PERFORM tandem_search_learn(NEW."body", NEW."internal");
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION tandem_search_user_trigger() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tandem_search_refresh(t."id") FROM "Ticket" t WHERE t."requesterId" = NEW."id";
    PERFORM tandem_search_learn(NEW."name" || ' ' || NEW."email", false);
    RETURN NULL;
END
$$;

-- Only the columns that feed the index fire the triggers: the frequent
-- updates of lastSeq, status or updatedAt cost nothing.
CREATE TRIGGER "Ticket_search" AFTER INSERT OR UPDATE OF "title", "description", "requesterId" ON "Ticket"
    FOR EACH ROW EXECUTE FUNCTION tandem_search_ticket_trigger();
CREATE TRIGGER "Comment_search" AFTER INSERT OR DELETE OR UPDATE OF "body", "internal", "ticketId" ON "Comment"
    FOR EACH ROW EXECUTE FUNCTION tandem_search_comment_trigger();
CREATE TRIGGER "User_search" AFTER UPDATE OF "name", "email" ON "User"
    FOR EACH ROW EXECUTE FUNCTION tandem_search_user_trigger();

-- Backfill what exists.
SELECT tandem_search_refresh("id") FROM "Ticket";
SELECT tandem_search_learn("title" || ' ' || "description", false) FROM "Ticket";
SELECT tandem_search_learn("body", "internal") FROM "Comment";
SELECT tandem_search_learn("name" || ' ' || "email", false) FROM "User";

-- OR and AND over many tsqueries (a word's alternatives, then all words), so
-- src/server/tickets/search-tickets.ts builds its query from values, never
-- by pasting text into tsquery syntax. STRICT state functions with no initial
-- value: the first query is the start, NULLs are skipped.
CREATE AGGREGATE tsquery_or_agg(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);
CREATE AGGREGATE tsquery_and_agg(tsquery) (SFUNC = tsquery_and, STYPE = tsquery);
