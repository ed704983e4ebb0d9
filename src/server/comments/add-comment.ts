import "server-only";
import type { CommentDTO, SessionUser } from "../../shared/dto";
import type { TicketStatus } from "../../shared/enums";
import type { TCreateComment } from "../../shared/schemas/comments";
import { db, sql } from "../db";
import { newRowId } from "../db/row-id";
import { statement } from "../db/sql";
import { toStoredPayload } from "../events/payloads";
import { announceCommitted } from "../events/publish";
import { recordEvent } from "../events/record-event";
import { fromStoredRow } from "../events/stored-event";
import type { RecordedTicketEvent } from "../events/view-event";
import type { Remember } from "../integrity/run-idempotent";
import { enforceCreationLimit, refundCreationLimit } from "../limits/enforce-creation-limit";
import { authorize, plainReplyCondition, reopensOnReply } from "../policy";
import { AppError } from "../errors";
import { commentInclude, ticketInclude, toCommentDTO, toTicketDTO } from "../serializers";
import { isTicketId, loadTicketFor, type TicketAccess } from "../tickets/load-ticket";
import { runtime } from "../runtime";
import type { AuthenticatedSession, ClaimedSession } from "../auth/session-token";
import { recordSessionUse } from "../sessions/find-session-user";

/**
 * Add a comment, or an internal note when `internal` (staff only).
 * `remember` stores the response for an Idempotency-Key with the comment.
 */
export async function addComment(
  actor: SessionUser,
  ticketId: string,
  input: TCreateComment,
  remember?: Remember<CommentDTO>,
  /** The one-statement reply was tried for this actor as they are and wrote nothing (addCommentWithSession). */
  plainTried = false,
): Promise<CommentDTO> {
  const attachmentIds = [...new Set(input.attachmentIds ?? [])];
  const plain = attachmentIds.length === 0 && !plainTried ? await tryPlainReply(actor, ticketId, input, remember) : null;
  if (plain) return sent(actor.id, ticketId, input, plain);
  const comment = await addCheckedComment(actor, ticketId, input, attachmentIds, remember);
  return sent(actor.id, ticketId, input, { comment });
}

/**
 * addComment for a session the route has not checked (authedByWrite in
 * http/route.ts): the one-statement reply checks it as it writes (the
 * session live and unexpired, its user active, with the name and role the
 * token claims, which the reply's event carries), so a reply is one round
 * trip to the database instead of two. When that statement writes nothing
 * (or fails), the session is checked on its own: an ended one is refused
 * (401) and nothing was written; a live one goes on as addComment does, as
 * the user is now (renamed, or with another role, since the token was
 * issued).
 */
export async function addCommentWithSession(
  session: ClaimedSession,
  ticketId: string,
  input: TCreateComment,
  remember?: Remember<CommentDTO>,
): Promise<CommentDTO> {
  const { claims } = session;
  const claimed: Author | null =
    claims.claimedName !== null && claims.claimedRole !== null ? { id: claims.userId, name: claims.claimedName, role: claims.claimedRole } : null;
  const plainable = claimed !== null && (input.attachmentIds ?? []).length === 0;
  if (plainable) {
    const plain = await tryPlainReply(claimed, ticketId, input, remember, claims.sessionId).catch(async (e: unknown) => {
      // A refusal (the creation limit, a key in use) is for live sessions only.
      await liveOrRefuse(session);
      throw e;
    });
    if (plain) {
      recordSessionUse(claims.sessionId);
      return sent(claimed.id, ticketId, input, plain);
    }
  }
  const live = await liveOrRefuse(session);
  // Tried as the user is now, and the policy's condition did not hold: the checked path says why.
  const tried = plainable && claimed.name === live.user.name && claimed.role === live.user.role;
  return addComment(live.user, ticketId, input, remember, tried);
}

async function liveOrRefuse(session: ClaimedSession): Promise<AuthenticatedSession> {
  const live = await session.verify();
  if (!live) throw new AppError("UNAUTHORIZED", "Sign in first");
  return live;
}

/** After the write: this process's sockets get a plain reply's event now, and the user's other tabs empty their reply box. */
function sent(actorId: string, ticketId: string, input: TCreateComment, written: { comment: CommentDTO; committed?: PlainReply["committed"] }): CommentDTO {
  // A plain reply's event is in hand as stored: this process's sockets get it now.
  announceCommitted(written.committed);
  // The user's other tabs empty their box and keep its kind: the sending tab
  // keeps "Internal note" ticked after a note (re-ticking forgotten would
  // publish the next one), and so must a tab that followed the draft.
  runtime().toUser?.(actorId, "draft:saved", { ticketId, body: "", internal: input.internal === true, updatedAt: new Date().toISOString(), clientId: null, sent: input.body });
  return written.comment;
}

/** Who a one-statement reply is written as: all its event needs of the author. */
type Author = Pick<SessionUser, "id" | "name" | "role">;

/**
 * Most replies carry no file and reopen nothing: those are one statement,
 * which checks the policy's condition on the ticket's row as it writes
 * (plainReplyCondition), so the ticket is not read first. Null when it
 * wrote nothing (no such ticket, not the actor's to reply to, or a reply
 * that reopens it): the checked path then finds out which, and answers as
 * it always did. The reply counts against the creation limit before it is
 * written, and the count is given back when nothing was (a refused request
 * costs nothing there, as on the checked path).
 */
async function tryPlainReply(
  actor: Author,
  ticketId: string,
  input: TCreateComment,
  remember?: Remember<CommentDTO>,
  uncheckedSessionId: string | null = null,
): Promise<PlainReply | null> {
  const condition = plainReplyCondition(actor, input.internal ?? false);
  if (!condition || !isTicketId(ticketId)) return null;
  await enforceCreationLimit("comment", actor.id);
  const reply = await insertPlainComment(actor, ticketId, input, condition, remember, uncheckedSessionId).catch(refundAndThrow(actor));
  if (!reply) await refundCreationLimit("comment", actor.id);
  return reply;
}

/**
 * A reply that failed wrote nothing (one statement, or one transaction), so
 * its count against the creation limit is given back: a retried send whose
 * Idempotency-Key is already taken fails this way before it is replayed
 * (runIdempotent's writeFirst), and must cost nothing, as when the key was
 * looked up first.
 */
function refundAndThrow(actor: Pick<SessionUser, "id">) {
  return async (e: unknown): Promise<never> => {
    await refundCreationLimit("comment", actor.id);
    throw e;
  };
}

/**
 * The ticket read and checked first, then a transaction: replies with files,
 * a requester's answer that reopens a Waiting ticket, and every refusal
 * (NOT_FOUND, FORBIDDEN) with the answer authorize gives.
 */
async function addCheckedComment(
  actor: SessionUser,
  ticketId: string,
  input: TCreateComment,
  attachmentIds: string[],
  remember?: Remember<CommentDTO>,
): Promise<CommentDTO> {
  const ticket = await loadTicketFor(actor, ticketId, "comment:create");
  if (input.internal) authorize(actor, "comment:internal:create", ticket);
  await enforceCreationLimit("comment", actor.id);
  return addCommentInTransaction(actor, ticket, input, attachmentIds, remember).catch(refundAndThrow(actor));
}

/**
 * A reply without files, in one statement (so no transaction: one statement
 * is atomic): the comment, the event that announces it (taking the ticket's
 * next seq, which row-locks the ticket until the statement commits, and
 * touching the ticket for a public reply as recordEvent does), the spent
 * draft, and the Idempotency-Key's response. Everything the event carries is
 * known before the statement runs (the comment's id and time are made here,
 * the author is the session's user, read from the database by this request),
 * so the event is written in the same statement instead of after a read.
 * This was about 12 round trips and 8 Prisma calls (bench/findings.md).
 * It writes only where the policy's condition holds on the ticket's row
 * ($15, $16: plainReplyCondition), checked under the row lock the UPDATE
 * takes, so no read of the ticket comes before it. With $17, the session
 * the route has not checked (addCommentWithSession): only while it is live
 * and unexpired and its user active, with the role and name ($18, $19)
 * the reply is written as; findSessionUser's check, in the same statement.
 */
const INSERT_PLAIN_COMMENT = statement(
  "insert_plain_comment",
  `WITH ticket AS (
     UPDATE "Ticket"
     SET "lastSeq" = "lastSeq" + 1,
         "lastPublicSeq" = "lastPublicSeq" + CASE WHEN $5::boolean THEN 0 ELSE 1 END,
         "lastOtherSeq" = CASE WHEN "lastActorId" IS DISTINCT FROM $3 THEN "lastSeq" ELSE "lastOtherSeq" END,
         "lastOtherPublicSeq" = CASE WHEN $5::boolean OR "lastPublicActorId" IS NOT DISTINCT FROM $3 THEN "lastOtherPublicSeq" ELSE "lastPublicSeq" END,
         "lastActorId" = $3,
         "lastPublicActorId" = CASE WHEN $5::boolean THEN "lastPublicActorId" ELSE $3 END,
         "updatedAt" = CASE WHEN $5::boolean THEN "updatedAt" ELSE ($6::timestamptz AT TIME ZONE 'UTC') END,
         "lastReplierId" = CASE WHEN $5::boolean THEN "lastReplierId" ELSE $3 END
     WHERE "id" = $2
       AND ($15::text IS NULL OR "requesterId" = $15::text)
       AND NOT ($16::boolean AND "status" IN ('WAITING', 'RESOLVED', 'CLOSED'))
       AND ($17::text IS NULL OR EXISTS (
         SELECT 1 FROM "User" u
         WHERE u."id" = $3 AND u."active" AND u."role"::text = $18::text AND u."name" = $19::text
           AND EXISTS (SELECT 1 FROM "Session" s WHERE s."id" = $17::text AND s."userId" = $3 AND s."revokedAt" IS NULL
                       AND s."expiresAt" > ($6::timestamptz AT TIME ZONE 'UTC'))))
     RETURNING "lastSeq", "lastPublicSeq", "requesterId"
   ), draft AS (
     DELETE FROM "Draft" WHERE "userId" = $3 AND "ticketId" = $2 AND EXISTS (SELECT 1 FROM ticket)
   ), comment AS (
     INSERT INTO "Comment" ("id", "ticketId", "authorId", "body", "internal", "createdAt")
     SELECT $1, $2, $3, $4, $5::boolean, ($6::timestamptz AT TIME ZONE 'UTC') FROM ticket
     RETURNING "id"
   ), event AS (
     INSERT INTO "TicketEvent" ("id", "ticketId", "seq", "publicSeq", "type", "payload", "payloadVersion", "actorId", "internal", "createdAt")
     SELECT $7, $2, t."lastSeq", CASE WHEN $5::boolean THEN NULL ELSE t."lastPublicSeq" END, 'comment:added', $8::text::jsonb, $9::int, $3, $5::boolean, ($6::timestamptz AT TIME ZONE 'UTC')
     FROM ticket t, comment c
     RETURNING "seq", "publicSeq"
   ), remembered AS (
     INSERT INTO "IdempotencyKey" ("userId", "key", "fingerprint", "status", "response", "expiresAt")
     SELECT $14::text, $10::text, $11::text, $12::int, $8::text::jsonb -> 'comment', ($13::timestamptz AT TIME ZONE 'UTC')
     FROM event WHERE $10::text IS NOT NULL
   )
   SELECT e."seq", e."publicSeq", t."requesterId" FROM event e, ticket t`,
);

/** A reply written by the one statement, and its event as the stream will read it back. */
type PlainReply = { comment: CommentDTO; committed: { event: RecordedTicketEvent; requesterId: string } };

/** The reply, or null when the condition did not hold (nothing was written). */
async function insertPlainComment(
  actor: Author,
  ticketId: string,
  input: TCreateComment,
  condition: NonNullable<ReturnType<typeof plainReplyCondition>>,
  remember: Remember<CommentDTO> | undefined,
  uncheckedSessionId: string | null,
): Promise<PlainReply | null> {
  const internal = input.internal ?? false;
  const createdAt = new Date();
  const stored = toStoredPayload("comment:added", {
    comment: toCommentDTO({ id: newRowId(), ticketId, body: input.body, internal, author: actor, createdAt }),
  });
  const key = remember?.key;
  const payload = JSON.stringify(stored.payload);
  const rows = await sql().query<{ seq: number; publicSeq: number | null; requesterId: string }>(INSERT_PLAIN_COMMENT, [
    stored.payload.comment.id,
    ticketId,
    actor.id,
    input.body,
    internal,
    createdAt.toISOString(),
    newRowId(),
    payload,
    stored.payloadVersion,
    key?.key ?? null,
    key?.fingerprint ?? null,
    key?.status ?? null,
    key?.expiresAt.toISOString() ?? null,
    key?.userId ?? null,
    condition.requesterId,
    condition.notReopening,
    uncheckedSessionId,
    actor.role,
    actor.name,
  ]);
  const row = rows[0];
  if (!row) return null;
  // Built from what was stored, as the relay builds it from the stream
  // (fromStoredRow parses the payload's text), so both send the same.
  const event = fromStoredRow({
    ticketId,
    seq: row.seq,
    publicSeq: row.publicSeq,
    type: "comment:added",
    payload: JSON.parse(payload),
    payloadVersion: stored.payloadVersion,
    createdAt,
    actor: { id: actor.id, name: actor.name },
  });
  return { comment: stored.payload.comment, committed: { event, requesterId: row.requesterId } };
}

/** A reply with files, or one that reopens the ticket: several statements, one transaction. */
async function addCommentInTransaction(
  actor: SessionUser,
  ticket: TicketAccess,
  input: TCreateComment,
  ids: string[],
  remember?: Remember<CommentDTO>,
): Promise<CommentDTO> {
  const ticketId = ticket.id;
  const event = await db().$transaction(async (tx) => {
    // The ticket's row first, as the one-statement path takes it (its UPDATE
    // comes before its INSERT). Until replies were indexed after the commit
    // (src/server/search/search-processor.ts), the comment's insert locked the
    // ticket's search-index row, and a transaction that took that lock before
    // the ticket's deadlocked with a plain reply taking them the other way
    // round (tests/integration/conversation-files.test.ts). Taking the
    // ticket's row first keeps any lock a comment's insert may take behind it.
    await tx.$queryRaw`SELECT 1 FROM "Ticket" WHERE "id" = ${ticketId} FOR NO KEY UPDATE`;
    // The comment comes back with what its event carries in the same call;
    // only a reply with files is read again, once they are linked to it.
    let comment = await tx.comment.create({
      data: { ticketId, authorId: actor.id, body: input.body, internal: input.internal ?? false },
      include: commentInclude,
    });
    // The files uploaded for this reply join it, and take its visibility: a
    // note's files are internal. Only the sender's own unsent files on this
    // ticket qualify; anything else refuses the whole comment.
    if (ids.length > 0) {
      const linked = await tx.attachment.updateMany({
        where: { id: { in: ids }, ticketId, uploaderId: actor.id, staged: true },
        data: { staged: false, commentId: comment.id, internal: input.internal ?? false },
      });
      if (linked.count !== ids.length) {
        throw new AppError("VALIDATION", "A file is not yours to send here, or was already sent", { attachmentIds: ["Unknown or already sent file"] });
      }
      comment = await tx.comment.findUniqueOrThrow({ where: { id: comment.id }, include: commentInclude });
    }
    // Sent: the reply box's saved draft is spent.
    await tx.draft.deleteMany({ where: { userId: actor.id, ticketId } });
    const recorded = await recordEvent(tx, {
      ticketId,
      type: "comment:added",
      actor,
      data: { comment: toCommentDTO(comment) },
      internal: comment.internal,
      at: comment.createdAt,
      // Touch the ticket so "recently updated" sorting reflects conversation
      // and lists show who replied last; not for internal notes, which
      // requesters must not be able to detect. In the statement that takes
      // the event's seq, one round trip instead of two.
      ...(comment.internal ? {} : { reply: { at: comment.createdAt, by: actor.id } }),
    });
    // The requester answered what the team was waiting for: the ticket is
    // theirs to work again. An event like any other, after the comment.
    if (reopensOnReply(actor, ticket)) {
      const from = ticket.status as TicketStatus;
      const reopened = await tx.ticket.updateMany({ where: { id: ticketId, status: from }, data: { status: "OPEN", version: { increment: 1 } } });
      if (reopened.count === 1) {
        await recordEvent(tx, {
          ticketId,
          type: "ticket:updated",
          actor,
          data: async () => ({
            ticket: toTicketDTO(await tx.ticket.findUniqueOrThrow({ where: { id: ticketId }, include: ticketInclude }), "staff"),
            changes: { status: { from, to: "OPEN" } },
          }),
        });
      }
    }
    await remember?.inTransaction(tx, recorded.data.comment);
    return recorded;
  });
  return event.data.comment;
}
