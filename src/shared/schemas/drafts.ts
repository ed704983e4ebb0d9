/** Draft request schema: validates the API route and the reply box alike. */
import { z } from "zod";
import { text } from "./text";

export const ZSaveDraft = z.object({
  // Not trimmed and may be empty: a draft is what the box holds, and empty clears it.
  body: text().max(10_000, "Comment is too long"),
  internal: z.boolean().optional().default(false),
  /** The saving tab, so it can ignore its own echo. */
  clientId: z.string().max(64).regex(/^[A-Za-z0-9_-]{8,64}$/).optional(),
});
export type TSaveDraft = z.infer<typeof ZSaveDraft>;

export const ZMarkRead = z.object({ seq: z.number().int().min(0).max(2_147_483_647) });
export type TMarkRead = z.infer<typeof ZMarkRead>;
