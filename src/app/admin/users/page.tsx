import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { UsersAdmin } from "../../../components/admin/users-admin";
import { env } from "../../../server/env";
import { can } from "../../../server/policy";
import { listUsers } from "../../../server/users/list-users";
import { requirePageUser } from "../../_lib/session";

export const metadata: Metadata = { title: "Users" };
export const dynamic = "force-dynamic";

/** Admins only: every user, add one, change roles and active, passwords and invite links. */
export default async function UsersPage() {
  const user = await requirePageUser("/admin/users");
  // Not 403: a page others may not see does not exist for them.
  if (!can(user, "user:list")) notFound();
  const users = await listUsers(user);
  return (
    <div>
      <h1>Users</h1>
      <p className="muted">
        The last active admin cannot be demoted or deactivated. Deactivating someone signs them out everywhere at once.
      </p>
      <UsersAdmin initial={users} mailEnabled={env().mailEnabled} />
    </div>
  );
}
