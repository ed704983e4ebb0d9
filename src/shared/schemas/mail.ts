/** Email settings and unsubscribe schemas: validate the API routes and the settings form alike. */
import { z } from "zod";
import { MAIL_KINDS } from "../mail";

/** PUT /api/notifications/email-settings: any of the kinds, each on or off. */
export const ZUpdateEmailSettings = z
  .object(Object.fromEntries(MAIL_KINDS.map((k) => [k, z.boolean().optional()])) as {
    [K in (typeof MAIL_KINDS)[number]]: z.ZodOptional<z.ZodBoolean>;
  })
  .strict()
  .refine((v) => MAIL_KINDS.some((k) => k in v), { message: "Nothing to change", path: ["reply"] });
export type TUpdateEmailSettings = z.infer<typeof ZUpdateEmailSettings>;

/** An unsubscribe token as it arrives in a link or a form (its signature is checked by the server). */
export const ZUnsubscribeToken = z.string().min(1).max(512);
