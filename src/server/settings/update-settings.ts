import "server-only";
import type { SettingsDTO } from "../../shared/audit";
import type { TUpdateSettings } from "../../shared/schemas/settings";
import { recordAudit } from "../audit/record-audit";
import { db } from "../db";
import { authorize, type Actor } from "../policy";
import { DEFAULT_SETTINGS, toSettingsDTO } from "./get-settings";

/**
 * Change the install's settings (admins only) and audit what changed, with
 * its before and after values. A save that changes nothing records nothing.
 */
export async function updateSettings(actor: Actor, input: TUpdateSettings): Promise<SettingsDTO> {
  authorize(actor, "settings:update");
  return db().$transaction(async (tx) => {
    // Lock the row: two admins saving at once each audit what they really replaced.
    const rows = await tx.$queryRaw<Array<{ signupEnabled: boolean; requesterPriorities: string[] | null }>>`
      SELECT "signupEnabled", "requesterPriorities" FROM "Settings" WHERE id = 1 FOR UPDATE`;
    const before = rows[0] ? toSettingsDTO({ ...rows[0], requesterPriorities: rows[0].requesterPriorities ?? [] }) : DEFAULT_SETTINGS;
    const after = toSettingsDTO(
      await tx.settings.upsert({
        where: { id: 1 },
        create: { ...DEFAULT_SETTINGS, ...input },
        update: { signupEnabled: input.signupEnabled, requesterPriorities: input.requesterPriorities },
      }),
    );
    const changed = (Object.keys(after) as (keyof SettingsDTO)[]).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    if (changed.length > 0) {
      await recordAudit(tx, {
        actorId: actor.id,
        action: "settings:update",
        before: Object.fromEntries(changed.map((k) => [k, before[k]])),
        after: Object.fromEntries(changed.map((k) => [k, after[k]])),
      });
    }
    return after;
  });
}
