/** Comment request schema: validates the API route and the comment box alike. */
import { z } from "zod";
import { text, ZId } from "./text";

export const ZCreateComment = z.object({
  body: text().trim().min(1, "Comment cannot be empty").max(10_000, "Comment is too long"),
  internal: z.boolean().optional().default(false),
  /** Files uploaded for this reply (`?staged=1`), sent with it. */
  attachmentIds: z.array(ZId).max(10, "At most 10 files per comment").optional(),
});
export type TCreateComment = z.infer<typeof ZCreateComment>;
