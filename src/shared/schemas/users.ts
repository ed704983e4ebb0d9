/** User administration schemas: validate the API route and any admin form alike. */
import { z } from "zod";
import { ROLES } from "../enums";
import { PASSWORD_MAX_LENGTH } from "./auth";
import { line, text } from "./text";

const ZEmail = z.string().trim().toLowerCase().email("Enter a valid email address").max(320, "Email is too long");

/**
 * PATCH /api/users/:id (admins only): any of name, email, role, active. The
 * email is the address they sign in with and are mailed at: an admin fixes
 * a mistyped one. Unused invite and reset links of the account stop working
 * (they went to the old address): the admin issues a new one.
 */
export const ZUpdateUser = z
  .object({
    name: line("A name").trim().min(1, "Name is required").max(100, "Name is too long").optional(),
    email: ZEmail.optional(),
    role: z.enum(ROLES).optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .refine((v) => ["name", "email", "role", "active"].some((k) => k in v), { message: "Nothing to change", path: ["name"] });
export type TUpdateUser = z.infer<typeof ZUpdateUser>;

/** GET /api/users (admins only): a page of users by name, narrowed by a search, a role or active state. */
export const ZListUsers = z
  .object({
    /** Part of a name or an email address. */
    q: text().trim().max(200, "Search is too long").optional(),
    role: z.enum(ROLES).optional(),
    state: z.enum(["active", "deactivated"]).optional(),
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type TListUsers = z.infer<typeof ZListUsers>;

/** Shortest new password: long enough that guessing needs more than the sign-in throttle allows. */
export const PASSWORD_MIN_LENGTH = 8;

/** A new password (set by an admin, an operator, an invitee, or its owner). */
export const ZNewPassword = text()
  .min(PASSWORD_MIN_LENGTH, `Passwords are at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Passwords are at most ${PASSWORD_MAX_LENGTH} characters`);

const ZName = line("A name").trim().min(1, "Name is required").max(100, "Name is too long");

/**
 * POST /api/users (admins only). Without `password` the person gets an
 * invite link to set their own: mailed to them when mail is on, else
 * answered once for the admin to pass on.
 */
export const ZCreateUser = z
  .object({ email: ZEmail, name: ZName, role: z.enum(ROLES), password: ZNewPassword.optional() })
  .strict();
export type TCreateUser = z.infer<typeof ZCreateUser>;

/**
 * POST /api/users/:id/password (admins only): set a password. A link for the
 * user to choose one is POST /api/users/:id/invite.
 */
export const ZResetPassword = z.object({ password: ZNewPassword }).strict();
export type TResetPassword = z.infer<typeof ZResetPassword>;

/** PATCH /api/account: the signed-in user's own name. */
export const ZUpdateAccount = z.object({ name: ZName }).strict();
export type TUpdateAccount = z.infer<typeof ZUpdateAccount>;

/** POST /api/account/password: the signed-in user's own password; the current one proves it is them. */
export const ZChangePassword = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password").max(PASSWORD_MAX_LENGTH, "Incorrect current password"),
    newPassword: ZNewPassword,
  })
  .strict();
export type TChangePassword = z.infer<typeof ZChangePassword>;

/** POST /api/password-reset: mail a link to set a new password to this address, if it has an account. */
export const ZRequestPasswordReset = z.object({ email: ZEmail }).strict();
export type TRequestPasswordReset = z.infer<typeof ZRequestPasswordReset>;

/** POST /api/signup: self sign-up as a requester (when an admin switched it on). */
export const ZSignUp = z.object({ name: ZName, email: ZEmail, password: ZNewPassword }).strict();
export type TSignUp = z.infer<typeof ZSignUp>;

/** Invite tokens are 32 bytes (an HMAC-SHA256, see src/server/users/invite-token.ts), base64url: 43 characters. */
export const ZInviteToken = z.string().max(64, "Not a valid invite link").regex(/^[A-Za-z0-9_-]{43}$/, "Not a valid invite link");

/** POST /api/invites/accept: set a password with an invite link's token. */
export const ZAcceptInvite = z.object({ token: ZInviteToken, password: ZNewPassword }).strict();
export type TAcceptInvite = z.infer<typeof ZAcceptInvite>;

/** GET /api/audit (admins only): newest first, `limit` at a time; `cursor` continues with older entries. */
export const ZListAudit = z
  .object({
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  })
  .strict();
