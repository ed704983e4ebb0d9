import "server-only";
import { type ComposingKind, ZPresenceUpdate } from "../../shared/realtime";
import { type Actor, mayAnnounceComposing } from "../policy";

/** What a valid `presence:update` changes; omitted fields stay as they are. */
export type PresenceChange = { ticketId: string; idle?: boolean; composing?: ComposingKind | null };

/**
 * `presence:update`, parsed and held to the policy: null for a malformed
 * payload (dropped quietly, like any excess beat). A "note" intent from
 * someone who may not write notes is ignored, so it can never be stored and
 * so never reach anyone.
 */
export function presenceChangeOf(actor: Actor, payload: unknown): PresenceChange | null {
  const parsed = ZPresenceUpdate.safeParse(payload);
  if (!parsed.success) return null;
  const { ticketId, idle, composing } = parsed.data;
  const change: PresenceChange = { ticketId };
  if (idle !== undefined) change.idle = idle;
  if (composing === null || (composing !== undefined && mayAnnounceComposing(actor, composing))) change.composing = composing;
  return change;
}
