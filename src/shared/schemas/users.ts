/** User administration schemas: validate the API route and any admin form alike. */
import { z } from "zod";
import { ROLES } from "../enums";
import { text } from "./text";

/** PATCH /api/users/:id (admins only): any of name, role, active. */
export const ZUpdateUser = z
  .object({
    name: text().trim().min(1, "Name is required").max(100, "Name is too long").optional(),
    role: z.enum(ROLES).optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .refine((v) => ["name", "role", "active"].some((k) => k in v), { message: "Nothing to change", path: ["name"] });
export type TUpdateUser = z.infer<typeof ZUpdateUser>;
