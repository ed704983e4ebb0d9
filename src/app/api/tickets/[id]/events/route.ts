import { z } from "zod";
import { listTicketEvents } from "@/server/events/list-events";
import { authed, parse, searchParamsOf } from "@/server/http/route";
import { ZAudience } from "@/shared/realtime";

export const dynamic = "force-dynamic";

const ZEventsQuery = z.object({ after: z.coerce.number().int().min(0).default(0), audience: ZAudience.optional() });

export const GET = authed<{ id: string }>(async (req, user, { id }) => {
  const { after, audience } = parse(ZEventsQuery, searchParamsOf(req));
  const { seq, events, truncated } = await listTicketEvents(user, id, after, audience);
  return Response.json({ seq, items: events, truncated });
});
