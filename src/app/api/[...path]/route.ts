import { AppError } from "@/server/errors";
import { errorResponse } from "@/server/http/route";

export const dynamic = "force-dynamic";

// Unknown API paths get the standard JSON 404 instead of the HTML not-found
// page (and a multipart POST here is not mistaken for a Server Action).
function notFound() {
  return errorResponse(new AppError("NOT_FOUND", "No such API endpoint"));
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE, notFound as OPTIONS };
