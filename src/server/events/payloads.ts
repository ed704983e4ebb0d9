import "server-only";
import { z } from "zod";
import type { AttachmentDTO, CommentDTO, TicketChanges, TicketDTO, UserRef } from "../../shared/dto";
import { ROLES, TICKET_PRIORITIES, TICKET_STATUSES } from "../../shared/enums";
import type { TicketEventData, TicketEventType } from "../../shared/realtime";

/**
 * The stored shape of each event's payload, by version.
 *
 * Events are history: a replay months later must send what happened then,
 * whatever the DTOs have become. So every stored payload carries the version
 * of its shape (`TicketEvent.payloadVersion`), is checked against that
 * version's schema when written and when read back, and is upgraded from
 * there to the current envelope by an explicit function. A DTO change that
 * forgets this fails here (the schemas below are pinned to today's DTOs by
 * `satisfies`), not silently in clients.
 *
 * Version 1 is the shape every event had when versions were introduced.
 * To change a payload: add version 2's schemas, an upgrade from 1 to 2, and
 * bump CURRENT_PAYLOAD_VERSION; never edit version 1.
 */
export const CURRENT_PAYLOAD_VERSION = 3;

const ZUserRefV1 = z.object({ id: z.string(), name: z.string() }) satisfies z.ZodType<UserRef>;

const ZTicketV1 = z.object({
  id: z.string(),
  number: z.number().int(),
  title: z.string(),
  description: z.string(),
  status: z.enum(TICKET_STATUSES),
  priority: z.enum(TICKET_PRIORITIES),
  requester: ZUserRefV1,
  assignee: ZUserRefV1.nullable(),
  version: z.number().int(),
  lastSeq: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<TicketDTO>;

const ZCommentV1 = z.object({
  id: z.string(),
  ticketId: z.string(),
  body: z.string(),
  internal: z.boolean(),
  author: ZUserRefV1.extend({ role: z.enum(ROLES) }),
  createdAt: z.string(),
}) satisfies z.ZodType<CommentDTO>;

const ZAttachmentV1 = z.object({
  id: z.string(),
  ticketId: z.string(),
  originalName: z.string(),
  size: z.number().int(),
  // Absent from events recorded before hashes were kept.
  sha256: z.string().nullable().optional(),
  contentType: z.string(),
  uploader: ZUserRefV1,
  createdAt: z.string(),
  url: z.string(),
}) satisfies z.ZodType<AttachmentDTO>;

const change = <T extends z.ZodType>(t: T) => z.object({ from: t, to: t });
const ZChangesV1 = z
  .object({
    status: change(z.enum(TICKET_STATUSES)),
    priority: change(z.enum(TICKET_PRIORITIES)),
    assignee: change(ZUserRefV1.nullable()),
    title: change(z.string()),
  })
  .partial() satisfies z.ZodType<TicketChanges>;

const V1 = {
  "ticket:created": z.object({ ticket: ZTicketV1 }),
  "ticket:updated": z.object({ ticket: ZTicketV1, changes: ZChangesV1 }),
  "comment:added": z.object({ comment: ZCommentV1 }),
  "attachment:added": z.object({ attachment: ZAttachmentV1 }),
} satisfies { [K in TicketEventType]: z.ZodType<TicketEventData[K]> };

/**
 * Version 2: files in the conversation. An attachment may belong to a comment
 * (`commentId`) and be internal (a note's file); a comment carries the files
 * sent with it. Version 1 payloads need no upgrade: both are absent there,
 * which means a ticket-level file and a comment without files.
 */
const ZAttachmentV2 = ZAttachmentV1.extend({
  commentId: z.string().nullable().optional(),
  internal: z.boolean().optional(),
}) satisfies z.ZodType<AttachmentDTO>;

const ZCommentV2 = ZCommentV1.extend({ attachments: z.array(ZAttachmentV2).optional() }) satisfies z.ZodType<CommentDTO>;

const V2 = {
  ...V1,
  "comment:added": z.object({ comment: ZCommentV2 }),
  "attachment:added": z.object({ attachment: ZAttachmentV2 }),
} satisfies { [K in TicketEventType]: z.ZodType<TicketEventData[K]> };

/**
 * Version 3: tags. A ticket snapshot carries the ticket's tags (staff
 * numbering is the stored one; viewEvent drops them for requesters), and a
 * `ticket:updated` may be a tags change (`changes.tags`), which is internal.
 * Versions 1 and 2 need no upgrade: a snapshot without `tags` says nothing
 * about them (clients keep what they have), and no older change touched tags.
 */
const ZTicketV3 = ZTicketV1.extend({ tags: z.array(z.string()).optional() }) satisfies z.ZodType<TicketDTO>;
const ZChangesV3 = ZChangesV1.extend({
  tags: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }).optional(),
}) satisfies z.ZodType<TicketChanges>;

const V3 = {
  ...V2,
  "ticket:created": z.object({ ticket: ZTicketV3 }),
  "ticket:updated": z.object({ ticket: ZTicketV3, changes: ZChangesV3 }),
} satisfies { [K in TicketEventType]: z.ZodType<TicketEventData[K]> };

const CURRENT = V3;
const BY_VERSION: Record<number, typeof V1 | typeof V2 | typeof V3> = { 1: V1, 2: V2, 3: V3 };

/** Why a stored event could not be read back: a bug or a corrupt row, never sent to a client as is. */
export class StoredPayloadError extends Error {
  constructor(type: string, version: number, detail: string) {
    super(`stored ${type} event payload (version ${version}) does not parse: ${detail}`);
  }
}

function isEventType(type: string): type is TicketEventType {
  return Object.hasOwn(V1, type);
}

/**
 * Check a payload about to be stored against the current version's schema;
 * returns what to store. A payload that would not read back is refused now,
 * in the writer's transaction, rather than discovered at replay.
 */
export function toStoredPayload<T extends TicketEventType>(type: T, data: TicketEventData[T]): { payload: TicketEventData[T]; payloadVersion: number } {
  const parsed = CURRENT[type].safeParse(data);
  if (!parsed.success) throw new StoredPayloadError(type, CURRENT_PAYLOAD_VERSION, z.prettifyError(parsed.error));
  return { payload: parsed.data as TicketEventData[T], payloadVersion: CURRENT_PAYLOAD_VERSION };
}

/**
 * A stored payload as the current envelope's data: parsed with the schema of
 * the version it was written in, then upgraded version by version.
 */
export function readStoredPayload(type: string, version: number, payload: unknown): { type: TicketEventType; data: TicketEventData[TicketEventType] } {
  if (!isEventType(type)) throw new StoredPayloadError(type, version, "unknown event type");
  const schemas = BY_VERSION[version];
  if (!schemas) throw new StoredPayloadError(type, version, "unknown payload version");
  // Versions 1 and 2 upgrade to 3 as they are (see V2 and V3).
  const parsed = schemas[type].safeParse(payload);
  if (!parsed.success) throw new StoredPayloadError(type, version, z.prettifyError(parsed.error));
  return { type, data: parsed.data };
}
