import { authed } from "@/server/http/route";
import { listMailQueue } from "@/server/mail/list-mail-queue";

export const dynamic = "force-dynamic";

/** The mail queue: counts, and the mails that failed or are being retried (admins only). */
export const GET = authed(async (_req, user) => Response.json(await listMailQueue(user)));
