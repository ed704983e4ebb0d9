-- A reply is indexed for search on its own, not by re-reading its ticket
-- (issue 11). The triggers of 20261205030000_search rebuilt a ticket's whole
-- index from all of its comments at every reply, inside the statement that
-- holds the ticket's row lock (on the embedded database, its one connection).
-- Measured on PostgreSQL, one comment insert: 2.5 ms with 250 short comments
-- on the ticket, 20 ms with 2,000, and 40 to 46 ms once the ticket holds
-- 200 000 characters of conversation (from about the 200th reply of 100
-- words on). Every reply to a long thread paid that, and every other reply
-- to the same ticket waited for it.
--
-- Now a new comment's text is parsed once and put in front of the ticket's
-- vector, which is what the rebuild computed (newest comment first). The
-- public comments' vector is kept apart ("comments", positions from 1) so
-- that "public" can be rebuilt without re-reading any text: the title (A),
-- description (B) and requester (D), taken out of "public" with ts_filter,
-- then "comments" (C). So the layout of "public" is A, B, D, C (it was
-- A, B, C, D: only positions change, and the requester's name is no longer
-- pushed past the last position a long conversation reaches).
-- A new title or description, or a renamed requester, remakes that front part
-- and reuses "comments" (it rebuilt every comment of every ticket the
-- requester ever opened). src/server/tickets/search-index.test.ts checks that
-- vectors kept up this way equal a rebuild, for any text.
--
-- The rebuild keeps the newest 200 000 characters of each kind of comment
-- (a tsvector's lexemes cannot exceed 1 MB). The vectors built one comment
-- at a time count the bytes they hold ("commentBytes", "internalBytes") and
-- fall back to a rebuild when a reply would take them past 600 000 bytes,
-- which keeps them below the limit whatever the text (lexemes are never
-- longer than the text they come from) and makes a rebuild rare even on
-- the longest threads.
-- No semicolons in these comments: see src/server/db/adapters.ts.

ALTER TABLE "TicketSearch" ADD COLUMN "comments" TSVECTOR NOT NULL DEFAULT ''::tsvector;
ALTER TABLE "TicketSearch" ADD COLUMN "commentBytes" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "TicketSearch" ADD COLUMN "internalBytes" INTEGER NOT NULL DEFAULT 0;

-- The title (A), description (B) and requester (D) of a ticket: the part of
-- "public" in front of the comments.
CREATE FUNCTION tandem_search_head(ticket_id TEXT) RETURNS TSVECTOR LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('tandem_search', t."title"), 'A')
        || setweight(to_tsvector('tandem_search', t."description"), 'B')
        || setweight(to_tsvector('tandem_search', u."name" || ' ' || u."email"), 'D')
    FROM "Ticket" t JOIN "User" u ON u."id" = t."requesterId"
    WHERE t."id" = ticket_id
$$;

-- The concatenation of tsvectors, in the aggregate's ORDER BY.
CREATE AGGREGATE tsvector_concat_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

-- Everything, from the ticket and all of its comments. Each comment is parsed
-- on its own, as a new reply is: the parser reads a token by what precedes
-- it (a reply that starts with "~/notes" is a file path on its own, but a
-- blank and a word after another reply's line break), so parsing the
-- comments joined into one text could differ from indexing them one by one.
-- Newest first, and only the newest 200 000 characters of each kind (a line
-- break between comments counted as one).
CREATE OR REPLACE FUNCTION tandem_search_refresh(ticket_id TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    public_comments TSVECTOR;
    internal_comments TSVECTOR;
    public_bytes INTEGER;
    internal_bytes INTEGER;
BEGIN
    WITH ordered AS (
        SELECT c."body", c."internal", c."createdAt", c."id",
               coalesce(sum(length(c."body") + 1) OVER (
                   PARTITION BY c."internal" ORDER BY c."createdAt" DESC, c."id" DESC
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS "before"
        FROM "Comment" c WHERE c."ticketId" = ticket_id
    ), kept AS (
        SELECT left("body", (200000 - "before")::int) AS "body", "internal", "createdAt", "id"
        FROM ordered WHERE "before" < 200000
    )
    SELECT
        coalesce(tsvector_concat_agg(setweight(to_tsvector('tandem_search', "body"), 'C') ORDER BY "createdAt" DESC, "id" DESC) FILTER (WHERE NOT "internal"), ''),
        coalesce(tsvector_concat_agg(to_tsvector('tandem_search', "body") ORDER BY "createdAt" DESC, "id" DESC) FILTER (WHERE "internal"), ''),
        coalesce(sum(octet_length("body") + 1) FILTER (WHERE NOT "internal"), 0),
        coalesce(sum(octet_length("body") + 1) FILTER (WHERE "internal"), 0)
    INTO public_comments, internal_comments, public_bytes, internal_bytes
    FROM kept;
    INSERT INTO "TicketSearch" ("ticketId", "public", "internal", "comments", "commentBytes", "internalBytes")
    SELECT t."id",
        tandem_search_head(t."id") || public_comments,
        internal_comments,
        public_comments,
        public_bytes,
        internal_bytes
    FROM "Ticket" t
    WHERE t."id" = ticket_id
    ON CONFLICT ("ticketId") DO UPDATE SET
        "public" = EXCLUDED."public",
        "internal" = EXCLUDED."internal",
        "comments" = EXCLUDED."comments",
        "commentBytes" = EXCLUDED."commentBytes",
        "internalBytes" = EXCLUDED."internalBytes";
END
$$;

-- A new title, description or requester (name, email): the comments' part
-- stays as it is.
CREATE FUNCTION tandem_search_rehead(ticket_id TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "TicketSearch" SET "public" = tandem_search_head(ticket_id) || "comments" WHERE "ticketId" = ticket_id;
    IF NOT FOUND THEN
        PERFORM tandem_search_refresh(ticket_id);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION tandem_search_ticket_trigger() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM tandem_search_refresh(NEW."id");
    ELSE
        PERFORM tandem_search_rehead(NEW."id");
    END IF;
    PERFORM tandem_search_learn(NEW."title" || ' ' || NEW."description", false);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION tandem_search_user_trigger() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tandem_search_rehead(t."id") FROM "Ticket" t WHERE t."requesterId" = NEW."id";
    PERFORM tandem_search_learn(NEW."name" || ' ' || NEW."email", false);
    RETURN NULL;
END
$$;

-- tandem_search_learn for text already parsed.
CREATE FUNCTION tandem_search_learn_vector(parsed TSVECTOR, is_internal BOOLEAN) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "SearchTerm" ("term", "internal")
    SELECT lexeme, is_internal
    FROM unnest(tsvector_to_array(parsed)) AS lexeme
    WHERE length(lexeme) BETWEEN 3 AND 40
    ON CONFLICT DO NOTHING;
END
$$;

-- The text form parses and hands over (one rule for which lexemes are learnt).
CREATE OR REPLACE FUNCTION tandem_search_learn(body TEXT, is_internal BOOLEAN) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tandem_search_learn_vector(to_tsvector('tandem_search', left(body, 200000)), is_internal);
END
$$;

CREATE OR REPLACE FUNCTION tandem_search_comment_trigger() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    parsed TSVECTOR;
    added_bytes INTEGER;
BEGIN
    IF TG_OP = 'INSERT' THEN
        parsed := to_tsvector('tandem_search', left(NEW."body", 200000));
        -- The newline that joins it to the next comment in a rebuild counts too.
        added_bytes := octet_length(left(NEW."body", 200000)) + 1;
        IF NEW."internal" THEN
            UPDATE "TicketSearch" SET
                "internal" = parsed || "internal",
                "internalBytes" = "internalBytes" + added_bytes
            WHERE "ticketId" = NEW."ticketId" AND "internalBytes" + added_bytes <= 600000;
        ELSE
            UPDATE "TicketSearch" SET
                "comments" = setweight(parsed, 'C') || "comments",
                "public" = ts_filter("public", '{a,b,d}') || (setweight(parsed, 'C') || "comments"),
                "commentBytes" = "commentBytes" + added_bytes
            WHERE "ticketId" = NEW."ticketId" AND "commentBytes" + added_bytes <= 600000;
        END IF;
        IF NOT FOUND THEN
            PERFORM tandem_search_refresh(NEW."ticketId");
        END IF;
        PERFORM tandem_search_learn_vector(parsed, NEW."internal");
        RETURN NULL;
    END IF;
    -- An edit, a move or a removal of a comment (rare): rebuild what it touched.
    PERFORM tandem_search_refresh(OLD."ticketId");
    IF TG_OP = 'UPDATE' THEN
        IF NEW."ticketId" <> OLD."ticketId" THEN
            PERFORM tandem_search_refresh(NEW."ticketId");
        END IF;
        PERFORM tandem_search_learn(NEW."body", NEW."internal");
    END IF;
    RETURN NULL;
END
$$;

-- Every ticket in the new layout, with its comments' vector.
SELECT tandem_search_refresh("id") FROM "Ticket";

ALTER TABLE "TicketSearch" ALTER COLUMN "comments" DROP DEFAULT;
