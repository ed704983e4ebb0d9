-- A row was unread for a user when its newest event was newer than their
-- read mark and not their own: their own tag or field change then hid every
-- earlier event by others they had not read. "lastOtherSeq" keeps the newest
-- event by someone other than the last actor (in staff numbering; the public
-- one in the requester's), so the last actor still sees what came before
-- their change (src/server/policy.ts, isUnreadFor).
ALTER TABLE "Ticket" ADD COLUMN "lastOtherSeq" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "lastOtherPublicSeq" INTEGER NOT NULL DEFAULT 0;

-- Existing tickets, from their event log.
UPDATE "Ticket" t SET
  "lastOtherSeq" = COALESCE((
    SELECT max(e."seq") FROM "TicketEvent" e
    WHERE e."ticketId" = t."id" AND e."actorId" IS DISTINCT FROM t."lastActorId"), 0),
  "lastOtherPublicSeq" = COALESCE((
    SELECT max(e."publicSeq") FROM "TicketEvent" e
    WHERE e."ticketId" = t."id" AND e."publicSeq" IS NOT NULL AND e."actorId" IS DISTINCT FROM t."lastPublicActorId"), 0);
