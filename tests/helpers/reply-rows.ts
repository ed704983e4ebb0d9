/**
 * A reply stored as the app stores one (src/server/comments/add-comment.ts):
 * the comment and the `comment:added` event that announces it, with the
 * ticket's next seq, in one statement. For unit tests that work on the
 * database directly, where the search processor indexes replies from their
 * events (src/server/search/search-processor.ts).
 */
import type { PrismaClient } from "../../src/generated/prisma/client";
import { newRowId } from "../../src/server/db/row-id";
import type { Sql } from "../../src/server/db/sql";
import { type IndexedReply, indexReplies } from "../../src/server/search/search-processor";
import { toStoredPayload } from "../../src/server/events/payloads";
import { toCommentDTO } from "../../src/server/serializers";
import type { Role } from "../../src/shared/enums";

export async function insertReply(
  prisma: PrismaClient,
  reply: { ticketId: string; author: { id: string; name: string; role: Role }; body: string; internal?: boolean; createdAt?: Date },
): Promise<{ id: string; seq: number }> {
  const internal = reply.internal ?? false;
  const createdAt = reply.createdAt ?? new Date();
  const { payload, payloadVersion } = toStoredPayload("comment:added", {
    comment: toCommentDTO({ id: newRowId(), ticketId: reply.ticketId, body: reply.body, internal, author: reply.author, createdAt }),
  });
  const [row] = await prisma.$queryRaw<{ seq: number }[]>`
    WITH ticket AS (
      UPDATE "Ticket" SET "lastSeq" = "lastSeq" + 1,
        "lastPublicSeq" = "lastPublicSeq" + CASE WHEN ${internal} THEN 0 ELSE 1 END
      WHERE "id" = ${reply.ticketId}
      RETURNING "lastSeq", "lastPublicSeq"
    ), comment AS (
      INSERT INTO "Comment" ("id", "ticketId", "authorId", "body", "internal", "createdAt")
      SELECT ${payload.comment.id}, ${reply.ticketId}, ${reply.author.id}, ${reply.body}, ${internal}, ${createdAt.toISOString()}::timestamptz AT TIME ZONE 'UTC'
      FROM ticket
      RETURNING "id"
    )
    INSERT INTO "TicketEvent" ("id", "ticketId", "seq", "publicSeq", "type", "payload", "payloadVersion", "actorId", "internal", "createdAt")
    SELECT ${newRowId()}, ${reply.ticketId}, t."lastSeq", CASE WHEN ${internal} THEN NULL ELSE t."lastPublicSeq" END, 'comment:added',
      ${JSON.stringify(payload)}::jsonb, ${payloadVersion}::int, ${reply.author.id}, ${internal}, ${createdAt.toISOString()}::timestamptz AT TIME ZONE 'UTC'
    FROM ticket t, comment c
    RETURNING "seq"`;
  if (!row) throw new Error(`insertReply: no ticket ${reply.ticketId}`);
  return { id: payload.comment.id, seq: row.seq };
}

/**
 * What the search processor does with a batch (indexReplies), for every reply
 * these tickets' events carry: those already in the index included, as a
 * batch handed over again would bring them.
 */
export async function indexAsTheProcessorDoes(prisma: PrismaClient, sql: Sql, ticketIds: string[]): Promise<void> {
  const rows = await prisma.$queryRaw<IndexedReply[]>`
    SELECT "ticketId", "seq", "payload" -> 'comment' ->> 'body' AS "body", "internal"
    FROM "TicketEvent"
    WHERE "type" = 'comment:added' AND "ticketId" = ANY(${ticketIds}::text[])
    ORDER BY "ticketId", "seq"`;
  await indexReplies(sql, rows);
}
