import { checkHealth } from "@/server/health/check-health";

export const dynamic = "force-dynamic";

export async function GET() {
  if (await checkHealth()) return Response.json({ status: "ok" });
  return Response.json({ error: { code: "UNAVAILABLE", message: "Database unavailable" } }, { status: 503 });
}
