/** Install settings (admins only): validates PUT /api/settings and the settings form alike. */
import { z } from "zod";
import { TICKET_PRIORITIES } from "../enums";

export const ZRequesterPriorities = z
  .array(z.enum(TICKET_PRIORITIES))
  .min(1, "Allow at least one priority")
  .max(TICKET_PRIORITIES.length)
  .refine((v) => new Set(v).size === v.length, "Each priority once");

/** PUT /api/settings: any of the settings. */
export const ZUpdateSettings = z
  .object({ signupEnabled: z.boolean().optional(), requesterPriorities: ZRequesterPriorities.optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "Nothing to change", path: ["signupEnabled"] });
export type TUpdateSettings = z.infer<typeof ZUpdateSettings>;
