/** Notification request schemas: validate the API routes and the settings form alike. */
import { z } from "zod";
import { NOTIFICATION_KINDS } from "../notifications";
import { ZId } from "./text";

/** GET /api/notifications?limit= (newest first). */
export const ZListNotifications = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type TListNotifications = z.infer<typeof ZListNotifications>;

/** POST /api/notifications/read: some notifications, or every one. */
export const ZMarkNotificationsRead = z.union([
  z.object({ ids: z.array(ZId).min(1, "Name at least one notification").max(200, "Too many at once") }).strict(),
  // `upTo`: the newest notification the user was shown; newer ones (still on their way to the
  // screen when the button was pressed) stay unread, and their mails are still sent.
  z.object({ all: z.literal(true), upTo: ZId.optional() }).strict(),
]);
export type TMarkNotificationsRead = z.infer<typeof ZMarkNotificationsRead>;

/** PUT /api/notifications/settings: any of the kinds, each on or off. */
export const ZUpdateNotificationSettings = z
  .object(Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, z.boolean().optional()])) as {
    [K in (typeof NOTIFICATION_KINDS)[number]]: z.ZodOptional<z.ZodBoolean>;
  })
  .strict()
  .refine((v) => NOTIFICATION_KINDS.some((k) => k in v), { message: "Nothing to change", path: ["mention"] });
export type TUpdateNotificationSettings = z.infer<typeof ZUpdateNotificationSettings>;
