import { authed } from "@/server/http/route";
import { inviteUser } from "@/server/users/invite-user";

export const dynamic = "force-dynamic";

/**
 * Admins: a fresh invite link for the user, voiding their older unused ones.
 * `{ invite }`: `{ delivery: "mail", sentTo }` when mail is on (the link goes
 * only to the user's mailbox), `{ delivery: "link", url }` when it is off.
 * No body: there is nothing to choose.
 */
export const POST = authed<{ id: string }>(async (_req, user, { id }) => Response.json(await inviteUser(user, id)));
