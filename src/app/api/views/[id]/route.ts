import { authed } from "@/server/http/route";
import { deleteView } from "@/server/views/delete-view";

export const dynamic = "force-dynamic";

export const DELETE = authed<{ id: string }>(async (_req, user, { id }) => {
  await deleteView(user, id);
  return new Response(null, { status: 204 });
});
