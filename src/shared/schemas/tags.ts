/**
 * Tags: short staff-only labels on tickets. The API, the tag box and the bulk
 * bar all normalize a name the same way (here), so "Billing Issue",
 * "billing-issue" and " BILLING  issue " are one tag.
 */
import { z } from "zod";
import { text } from "./text";

export const TAG_MAX_LENGTH = 40;
/** Tags one ticket may carry: enough to label, few enough to read on a row. */
export const TAGS_PER_TICKET_MAX = 30;
/** Names one request may add or remove (each list). */
export const TAG_OPS_MAX = 20;

/** Letters and digits of any script, then also `.`, `_` and `-`. */
const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u;

/** A name as stored: NFC, trimmed, lower case, runs of spaces as one `-`. */
export function normalizeTag(raw: string): string {
  return raw.normalize("NFC").trim().toLowerCase().replace(/\s+/g, "-");
}

/** Why `name` (normalized) is not a valid tag, or null when it is. */
export function tagProblem(name: string): string | null {
  if (name.length === 0) return "A tag cannot be empty";
  if (name.length > TAG_MAX_LENGTH) return `A tag has at most ${TAG_MAX_LENGTH} characters`;
  if (!TAG_PATTERN.test(name)) return "A tag is letters, digits, dots, dashes and underscores, starting with a letter or digit";
  return null;
}

/** Names typed into a tag box: commas separate several ("billing, vip"). */
export function parseTagInput(text: string): { names: string[]; problem: string | null } {
  const names = [...new Set(text.split(",").map(normalizeTag).filter(Boolean))];
  for (const name of names) {
    const problem = tagProblem(name);
    if (problem) return { names: [], problem: `${name}: ${problem}` };
  }
  return { names, problem: null };
}

export const ZTagName = text()
  .max(200, "Tag is too long")
  .transform(normalizeTag)
  .superRefine((name, ctx) => {
    const problem = tagProblem(name);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const tagList = z.array(ZTagName).max(TAG_OPS_MAX, `At most ${TAG_OPS_MAX} tags at once`);

/**
 * POST /api/tickets/:id/tags: operations, not a new set, so two people
 * tagging one ticket at once both get what they asked for. A name in both
 * lists is refused (which wins would be a guess).
 */
export const ZTagOps = z
  .object({ add: tagList.optional(), remove: tagList.optional() })
  .strict()
  .superRefine((ops, ctx) => {
    if (!ops.add?.length && !ops.remove?.length) ctx.addIssue({ code: "custom", message: "Nothing to change", path: ["add"] });
    const removing = new Set(ops.remove ?? []);
    if ((ops.add ?? []).some((t) => removing.has(t))) {
      ctx.addIssue({ code: "custom", message: "A tag cannot be added and removed at once", path: ["remove"] });
    }
  });
export type TTagOps = z.infer<typeof ZTagOps>;

/** GET /api/tags: names starting with `prefix` (normalized), most used first. */
export const ZListTags = z.object({
  prefix: text().max(200).transform(normalizeTag).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type TListTags = z.infer<typeof ZListTags>;
