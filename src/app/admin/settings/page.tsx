import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { SettingsForm } from "../../../components/admin/settings-form";
import { can } from "../../../server/policy";
import { getSettingsForAdmin } from "../../../server/settings/get-settings";
import { requirePageUser } from "../../_lib/session";

export const metadata: Metadata = { title: "Settings" };
export const dynamic = "force-dynamic";

/** Admins only: install-wide settings, stored in the database (changes are audited). */
export default async function SettingsPage() {
  const user = await requirePageUser("/admin/settings");
  if (!can(user, "settings:update")) notFound();
  return (
    <div className="narrow">
      <h1>Settings</h1>
      <section className="card">
        <SettingsForm initial={await getSettingsForAdmin(user)} />
      </section>
    </div>
  );
}
