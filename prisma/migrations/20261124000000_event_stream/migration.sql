-- One ordered stream of every ticket's events (issue 8): a global position and
-- the writing transaction's id, so processors can follow the stream with a
-- cursor and never skip an event that commits after a later-numbered one.
-- Existing events are numbered in the order they happened.
CREATE SEQUENCE "TicketEvent_position_seq";
ALTER TABLE "TicketEvent" ADD COLUMN "position" BIGINT;
UPDATE "TicketEvent" e SET "position" = o.n FROM (SELECT "id", row_number() OVER (ORDER BY "createdAt", "ticketId", "seq") AS n FROM "TicketEvent") o WHERE e."id" = o."id";
SELECT setval('"TicketEvent_position_seq"', COALESCE((SELECT max("position") FROM "TicketEvent"), 0) + 1, false);
ALTER TABLE "TicketEvent" ALTER COLUMN "position" SET DEFAULT nextval('"TicketEvent_position_seq"');
ALTER TABLE "TicketEvent" ALTER COLUMN "position" SET NOT NULL;
ALTER SEQUENCE "TicketEvent_position_seq" OWNED BY "TicketEvent"."position";
-- Existing events all take this migration's transaction id: one batch, ordered by position.
ALTER TABLE "TicketEvent" ADD COLUMN "txId" BIGINT NOT NULL DEFAULT (pg_current_xact_id())::text::bigint;
-- Every stored payload so far has the first shape.
ALTER TABLE "TicketEvent" ADD COLUMN "payloadVersion" INTEGER NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX "TicketEvent_position_key" ON "TicketEvent"("position");
CREATE INDEX "TicketEvent_txId_position_idx" ON "TicketEvent"("txId", "position");

CREATE TABLE "ProcessorCursor" (
    "name" TEXT NOT NULL,
    "txId" BIGINT NOT NULL,
    "position" BIGINT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProcessorCursor_pkey" PRIMARY KEY ("name")
);
