/** Sign-in form schema, shared by the login page and the credentials provider. */
import { z } from "zod";
import "./zod-csp";

export const ZSignIn = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address").max(320),
  password: z.string().min(1, "Password is required").max(200),
});
export type TSignIn = z.infer<typeof ZSignIn>;
