-- Invite links by mail. An OutboundMail row now also carries an invite link:
-- kind 'invite', no ticket, no event, and the invite it belongs to (one mail
-- per invite, so a retried request or a worker handing a claim over never
-- queues a second one). The link itself is never stored: the row's text holds
-- a slot the worker fills at send time. The CHECK keeps the two shapes apart,
-- so a notification row can never lose its ticket and an invite row can never
-- be mistaken for one. No semicolons in these comments: older migration
-- runners split scripts on them.
-- AlterTable
ALTER TABLE "OutboundMail" ALTER COLUMN "ticketId" DROP NOT NULL,
ALTER COLUMN "seq" DROP NOT NULL,
ALTER COLUMN "readSeq" DROP NOT NULL,
ADD COLUMN "inviteId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "OutboundMail_inviteId_key" ON "OutboundMail"("inviteId");

-- AddForeignKey
ALTER TABLE "OutboundMail" ADD CONSTRAINT "OutboundMail_inviteId_fkey" FOREIGN KEY ("inviteId") REFERENCES "Invite"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddCheck
ALTER TABLE "OutboundMail" ADD CONSTRAINT "OutboundMail_subject_check" CHECK (
  ("kind" = 'invite' AND "inviteId" IS NOT NULL AND "ticketId" IS NULL AND "seq" IS NULL AND "readSeq" IS NULL)
  OR ("kind" <> 'invite' AND "inviteId" IS NULL AND "ticketId" IS NOT NULL AND "seq" IS NOT NULL AND "readSeq" IS NOT NULL)
);
