-- Files in the conversation: an attachment may belong to a comment (and be
-- internal with its note), and may be staged (uploaded, not sent yet).
ALTER TABLE "Attachment" ADD COLUMN "commentId" TEXT,
ADD COLUMN "internal" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "staged" BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_commentId_fkey" FOREIGN KEY ("commentId") REFERENCES "Comment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE INDEX "Attachment_commentId_idx" ON "Attachment"("commentId");
CREATE INDEX "Attachment_staged_createdAt_idx" ON "Attachment"("staged", "createdAt");
