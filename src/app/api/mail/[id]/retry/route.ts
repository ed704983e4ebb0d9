import { authed } from "@/server/http/route";
import { retryMail } from "@/server/mail/retry-mail";

export const dynamic = "force-dynamic";

/** Send a failed mail again (admins only): 200, 409 unless it failed, 404. No body. */
export const POST = authed<{ id: string }>(async (_req, user, { id }) => Response.json(await retryMail(user, id)));
