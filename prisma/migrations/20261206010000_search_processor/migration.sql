-- Replies are indexed by the search processor, after their commit, instead of
-- by a trigger inside the statement that adds them (issue 11). That trigger
-- ran while the reply held its ticket's row lock: on one busy ticket every
-- other reply waited for it (measured: 292 and 304 replies a second with it,
-- 337 and 358 without, on PostgreSQL, and 166 and 173 against 219 and 231 on
-- the embedded database, bench/findings.md). The processor
-- (src/server/search/search-processor.ts) reads committed comment events from
-- the event stream and puts each ticket's new replies in front of its vectors
-- in one statement, so a burst of replies to one ticket is one update.
-- A search waits for it to catch up first (src/server/search/index-lag.ts).
--
-- "seq": the ticket's events up to this one are in the vectors. A reply is
-- added by the event that announced it, so an event handed over twice (the
-- stream's delivery is at least once) finds its seq already covered and adds
-- nothing. Every function that writes a ticket's vectors locks its index row
-- first and reads the comments after that (a new snapshot per statement), so
-- a rebuild and the processor never undo each other's work.
--
-- Comments are ordered by that seq (the order replies committed in, which is
-- the order they were added in), newest first, as the processor adds them.
-- The time a comment was made is when its transaction began, which on a busy
-- ticket is not always the order of the commits. A comment without an event
-- (written by hand) counts as older than every other, by time then.
-- No semicolons in these comments: see src/server/db/adapters.ts.

ALTER TABLE "TicketSearch" ADD COLUMN "seq" INTEGER NOT NULL DEFAULT 0;

-- The ticket's comments with the seq of the event that added them.
CREATE FUNCTION tandem_search_comments(ticket_id TEXT) RETURNS TABLE ("body" TEXT, "internal" BOOLEAN, "seq" INTEGER, "createdAt" TIMESTAMP(3), "id" TEXT)
LANGUAGE sql STABLE AS $$
    SELECT c."body", c."internal", e."seq", c."createdAt", c."id"
    FROM "Comment" c
    LEFT JOIN "TicketEvent" e ON e."ticketId" = c."ticketId" AND e."type" = 'comment:added' AND e."payload" -> 'comment' ->> 'id' = c."id"
    WHERE c."ticketId" = ticket_id
$$;

-- Everything, from the ticket and all of its comments, as before but in seq
-- order, and the seq it covers (read in the same statement as the comments).
CREATE OR REPLACE FUNCTION tandem_search_refresh(ticket_id TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    public_comments TSVECTOR;
    internal_comments TSVECTOR;
    public_bytes INTEGER;
    internal_bytes INTEGER;
    covered INTEGER;
BEGIN
    PERFORM 1 FROM "TicketSearch" WHERE "ticketId" = ticket_id FOR UPDATE;
    WITH ordered AS (
        SELECT c."body", c."internal", c."seq", c."createdAt", c."id",
               coalesce(sum(length(c."body") + 1) OVER (
                   PARTITION BY c."internal" ORDER BY c."seq" DESC NULLS LAST, c."createdAt" DESC, c."id" DESC
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS "before"
        FROM tandem_search_comments(ticket_id) c
    ), kept AS (
        SELECT left("body", (200000 - "before")::int) AS "body", "internal", "seq", "createdAt", "id"
        FROM ordered WHERE "before" < 200000
    )
    SELECT
        coalesce(tsvector_concat_agg(setweight(to_tsvector('tandem_search', "body"), 'C') ORDER BY "seq" DESC NULLS LAST, "createdAt" DESC, "id" DESC) FILTER (WHERE NOT "internal"), ''),
        coalesce(tsvector_concat_agg(to_tsvector('tandem_search', "body") ORDER BY "seq" DESC NULLS LAST, "createdAt" DESC, "id" DESC) FILTER (WHERE "internal"), ''),
        coalesce(sum(octet_length("body") + 1) FILTER (WHERE NOT "internal"), 0),
        coalesce(sum(octet_length("body") + 1) FILTER (WHERE "internal"), 0),
        (SELECT coalesce(max(e."seq"), 0) FROM "TicketEvent" e WHERE e."ticketId" = ticket_id)
    INTO public_comments, internal_comments, public_bytes, internal_bytes, covered
    FROM kept;
    INSERT INTO "TicketSearch" ("ticketId", "public", "internal", "comments", "commentBytes", "internalBytes", "seq")
    SELECT t."id",
        tandem_search_head(t."id") || public_comments,
        internal_comments,
        public_comments,
        public_bytes,
        internal_bytes,
        covered
    FROM "Ticket" t
    WHERE t."id" = ticket_id
    ON CONFLICT ("ticketId") DO UPDATE SET
        "public" = EXCLUDED."public",
        "internal" = EXCLUDED."internal",
        "comments" = EXCLUDED."comments",
        "commentBytes" = EXCLUDED."commentBytes",
        "internalBytes" = EXCLUDED."internalBytes",
        "seq" = EXCLUDED."seq";
END
$$;

-- A new title, description or requester name: the row locked first, then the
-- head read in a statement of its own. Read in the same statement as the
-- update (20261206000000), a rename that waited for a concurrent title change
-- to commit wrote the head from before it (PostgreSQL re-evaluates the row
-- after the wait, but a function's query keeps the statement's snapshot), and
-- the old title stayed searchable (tests/integration/search-index-concurrency.test.ts).
CREATE OR REPLACE FUNCTION tandem_search_rehead(ticket_id TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM "TicketSearch" WHERE "ticketId" = ticket_id FOR UPDATE;
    UPDATE "TicketSearch" SET "public" = tandem_search_head(ticket_id) || "comments" WHERE "ticketId" = ticket_id;
    IF NOT FOUND THEN
        PERFORM tandem_search_refresh(ticket_id);
    END IF;
END
$$;

-- A renamed requester's tickets in id order, as the search processor locks them.
CREATE OR REPLACE FUNCTION tandem_search_user_trigger() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tandem_search_rehead(t."id") FROM (SELECT "id" FROM "Ticket" WHERE "requesterId" = NEW."id" ORDER BY "id") t;
    PERFORM tandem_search_learn(NEW."name" || ' ' || NEW."email", false);
    RETURN NULL;
END
$$;

-- New replies are the processor's. An edit, a move or a removal of a comment
-- (none of which the app does) still rebuilds what it touched at once.
CREATE OR REPLACE FUNCTION tandem_search_comment_trigger() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
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

DROP TRIGGER "Comment_search" ON "Comment";
CREATE TRIGGER "Comment_search" AFTER DELETE OR UPDATE OF "body", "internal", "ticketId" ON "Comment"
    FOR EACH ROW EXECUTE FUNCTION tandem_search_comment_trigger();

-- Everything so far was indexed by the trigger: each ticket's vectors cover
-- its events up to now.
UPDATE "TicketSearch" s SET "seq" = e."seq"
FROM (SELECT "ticketId", max("seq") AS "seq" FROM "TicketEvent" GROUP BY "ticketId") e
WHERE e."ticketId" = s."ticketId";

-- The processor starts here, at the stream's head, not where it first runs:
-- a process still running the code from before this migration (a rolling
-- deploy) adds replies that no trigger indexes any more, and the processor
-- must not start after them. The head as src/server/engine/stream.ts reads
-- it: before any transaction still running.
INSERT INTO "ProcessorCursor" ("name", "txId", "position", "updatedAt")
SELECT 'search', coalesce(max("txId"), 0), coalesce(max("position"), 0), now() FROM (
    SELECT "txId", "position" FROM "TicketEvent"
    WHERE "txId" < (pg_snapshot_xmin(pg_current_snapshot()))::text::bigint
    ORDER BY "txId" DESC, "position" DESC LIMIT 1
) head
ON CONFLICT ("name") DO NOTHING;
