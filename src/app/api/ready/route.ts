import { env } from "@/server/env";
import { checkReadiness } from "@/server/health/check-health";
import { readinessAsker } from "@/server/http/remote-addr";
import { mayReadReadinessDetail } from "@/server/policy";

export const dynamic = "force-dynamic";

/** Readiness for load balancers (status code and `status`); details for operators only. */
export async function GET(req: Request) {
  const { ready, body } = await checkReadiness();
  const detail = mayReadReadinessDetail(readinessAsker(req.headers), env().READY_TOKEN);
  return Response.json(detail ? body : { status: body.status }, { status: ready ? 200 : 503 });
}
