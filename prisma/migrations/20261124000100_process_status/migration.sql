-- Per-process status for the admin realtime health page.
CREATE TABLE "ProcessStatus" (
    "id" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "host" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "sockets" INTEGER NOT NULL,
    "redis" TEXT NOT NULL,
    "relayLagMs" INTEGER,
    "seenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProcessStatus_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "ProcessStatus_seenAt_idx" ON "ProcessStatus"("seenAt");
