import { AppError } from "@/server/errors";
import { checkHealth } from "@/server/health/check-health";
import { errorResponse } from "@/server/http/route";

export const dynamic = "force-dynamic";

export async function GET() {
  if (await checkHealth()) return Response.json({ status: "ok" });
  return errorResponse(new AppError("UNAVAILABLE", "Database unavailable"));
}
