-- Live lists and unread markers: who made each ticket's newest event (per
-- numbering), the newest public replier, and how far each user has read.
ALTER TABLE "Ticket" ADD COLUMN "lastActorId" TEXT,
ADD COLUMN "lastPublicActorId" TEXT,
ADD COLUMN "lastReplierId" TEXT;

ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_lastReplierId_fkey" FOREIGN KEY ("lastReplierId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Existing tickets: take the values from their history.
UPDATE "Ticket" t SET
  "lastActorId" = (SELECT e."actorId" FROM "TicketEvent" e WHERE e."ticketId" = t."id" ORDER BY e."seq" DESC LIMIT 1),
  "lastPublicActorId" = (SELECT e."actorId" FROM "TicketEvent" e WHERE e."ticketId" = t."id" AND e."publicSeq" IS NOT NULL ORDER BY e."publicSeq" DESC LIMIT 1),
  "lastReplierId" = (SELECT c."authorId" FROM "Comment" c WHERE c."ticketId" = t."id" AND NOT c."internal" ORDER BY c."createdAt" DESC, c."id" DESC LIMIT 1);

CREATE TABLE "TicketRead" (
    "userId" TEXT NOT NULL,
    "ticketId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "readAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TicketRead_pkey" PRIMARY KEY ("userId","ticketId")
);

ALTER TABLE "TicketRead" ADD CONSTRAINT "TicketRead_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "TicketRead" ADD CONSTRAINT "TicketRead_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "Draft" (
    "userId" TEXT NOT NULL,
    "ticketId" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "internal" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Draft_pkey" PRIMARY KEY ("userId","ticketId")
);

ALTER TABLE "Draft" ADD CONSTRAINT "Draft_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Draft" ADD CONSTRAINT "Draft_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;
