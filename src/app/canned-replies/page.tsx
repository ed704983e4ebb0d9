import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { CannedRepliesManager } from "../../components/canned-replies/canned-replies-manager";
import { listCannedReplies } from "../../server/canned-replies/list-canned-replies";
import { can } from "../../server/policy";
import { requirePageUser } from "../_lib/session";

export const metadata: Metadata = { title: "Canned replies" };
export const dynamic = "force-dynamic";

/** Staff only: the shared canned replies and the user's personal ones. */
export default async function CannedRepliesPage() {
  const user = await requirePageUser("/canned-replies");
  if (!can(user, "canned:use")) notFound();
  return (
    <div className="narrow">
      <h1>Canned replies</h1>
      <CannedRepliesManager initial={await listCannedReplies(user)} canManageShared={can(user, "canned:shared:manage")} />
    </div>
  );
}
