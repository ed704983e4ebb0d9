-- A second, requester-facing numbering of ticket events (issue 7: nothing
-- inferable about internal notes). `seq` numbers every event (staff view),
-- `publicSeq` numbers only the events a requester may see, so an internal note
-- leaves no gap, no moved counter, in anything a requester can read.

-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN "lastPublicSeq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "TicketEvent" ADD COLUMN "publicSeq" INTEGER;

-- Backfill: number each ticket's non-internal events 1..n in seq order.
UPDATE "TicketEvent" AS e
SET "publicSeq" = numbered.n
FROM (
    SELECT "id", ROW_NUMBER() OVER (PARTITION BY "ticketId" ORDER BY "seq") AS n
    FROM "TicketEvent"
    WHERE NOT "internal"
) AS numbered
WHERE e."id" = numbered."id";

UPDATE "Ticket" AS t
SET "lastPublicSeq" = COALESCE((SELECT MAX(e."publicSeq") FROM "TicketEvent" AS e WHERE e."ticketId" = t."id"), 0);

-- CreateIndex
CREATE UNIQUE INDEX "TicketEvent_ticketId_publicSeq_key" ON "TicketEvent"("ticketId", "publicSeq");

-- Internal events have no public number and every other event has one. Not
-- expressible in the Prisma schema, and Prisma does not introspect CHECKs, so
-- no drift. (No semicolons in these comments: the pg driver adapter splits
-- migration scripts on them.)
ALTER TABLE "TicketEvent" ADD CONSTRAINT "TicketEvent_publicSeq_iff_public"
    CHECK (("internal" AND "publicSeq" IS NULL) OR (NOT "internal" AND "publicSeq" IS NOT NULL));
