/** Comment request schema: validates the API route and the comment box alike. */
import { z } from "zod";
import { text } from "./text";

export const ZCreateComment = z.object({
  body: text().trim().min(1, "Comment cannot be empty").max(10_000, "Comment is too long"),
  internal: z.boolean().optional().default(false),
});
export type TCreateComment = z.infer<typeof ZCreateComment>;
