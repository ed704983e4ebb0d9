-- Email notifications. OutboundMail rows are written by a cluster processor of
-- the event stream and sent by the mail worker. The unique key on (user,
-- ticket, seq, kind) makes queueing idempotent: an event handed over again
-- after a retry, a restart or a failover queues nothing twice. The email
-- switches are nullable on purpose: null means the default for the user's
-- role, so existing rows need no backfill. No semicolons in these comments:
-- the pg driver adapter splits migration scripts on them.
-- AlterTable
ALTER TABLE "NotificationSettings" ADD COLUMN "emailReply" BOOLEAN,
ADD COLUMN "emailResolved" BOOLEAN,
ADD COLUMN "emailAssigned" BOOLEAN,
ADD COLUMN "emailMention" BOOLEAN;

-- CreateTable
CREATE TABLE "OutboundMail" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "ticketId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "readSeq" INTEGER NOT NULL,
    "internal" BOOLEAN NOT NULL DEFAULT false,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "OutboundMail_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "OutboundMail_userId_ticketId_seq_kind_key" ON "OutboundMail"("userId", "ticketId", "seq", "kind");

-- CreateIndex
CREATE INDEX "OutboundMail_status_nextAttemptAt_idx" ON "OutboundMail"("status", "nextAttemptAt");

-- AddForeignKey
ALTER TABLE "OutboundMail" ADD CONSTRAINT "OutboundMail_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboundMail" ADD CONSTRAINT "OutboundMail_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;
