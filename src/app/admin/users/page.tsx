import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { type UsersQuery, UsersAdmin } from "../../../components/admin/users-admin";
import { env } from "../../../server/env";
import { can, roleEffectsOf } from "../../../server/policy";
import { ROLES, type Role } from "../../../shared/enums";
import type { RoleEffects } from "../../../shared/permissions";
import { listUsers } from "../../../server/users/list-users";
import { ZListUsers } from "../../../shared/schemas/users";
import { requirePageUser } from "../../_lib/session";

export const metadata: Metadata = { title: "Users" };
export const dynamic = "force-dynamic";

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Admins only: find users, add one, change details, roles and active, passwords and invite links. */
export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser("/admin/users");
  // Not 403: a page others may not see does not exist for them.
  if (!can(user, "user:list")) notFound();
  const params = await searchParams;
  // Filters from the URL; one that does not parse is left out rather than failing the page.
  const raw = { q: first(params.q) || undefined, role: first(params.role) || undefined, state: first(params.state) || undefined };
  const parsed = ZListUsers.safeParse(raw);
  const query: UsersQuery = parsed.success ? { q: parsed.data.q || undefined, role: parsed.data.role, state: parsed.data.state } : {};
  const page = await listUsers(user, { ...query, limit: 50 });
  return (
    <div>
      <h1>Users</h1>
      <p className="muted">
        The last active admin cannot be demoted or deactivated. Deactivating someone signs them out everywhere at once, and
        unassigns their open tickets.
      </p>
      <UsersAdmin
        key={JSON.stringify(query)}
        initial={page.items}
        nextCursor={page.nextCursor}
        query={query}
        mailEnabled={env().mailEnabled}
        roleEffects={Object.fromEntries(ROLES.map((r) => [r, roleEffectsOf(r)])) as Record<Role, RoleEffects>}
      />
    </div>
  );
}
