import { checkReadiness } from "@/server/health/check-health";

export const dynamic = "force-dynamic";

export async function GET() {
  const { ready, body } = await checkReadiness();
  return Response.json(body, { status: ready ? 200 : 503 });
}
