/** Canned reply request schemas: validate the API routes and the management form alike. */
import { z } from "zod";
import { line, text } from "./text";

const title = () => line("A title").trim().min(1, "Title cannot be empty").max(200, "Title is too long");
const body = () => text().trim().min(1, "Text cannot be empty").max(10_000, "Text is too long");

export const ZCreateCannedReply = z.object({
  title: title(),
  body: body(),
  /** Shared with every staff member (admins only), or personal to its creator. */
  shared: z.boolean(),
});
export type TCreateCannedReply = z.infer<typeof ZCreateCannedReply>;

/**
 * A change of title and/or text. Who sees a reply (shared or personal) is
 * fixed at creation: moving a personal reply into everyone's list, or taking
 * a shared one away from everyone, is a delete and a create, each checked.
 */
export const ZUpdateCannedReply = z
  .object({ title: title().optional(), body: body().optional() })
  .strict()
  .refine((v) => v.title !== undefined || v.body !== undefined, { message: "Nothing to change", path: ["_"] });
export type TUpdateCannedReply = z.infer<typeof ZUpdateCannedReply>;
