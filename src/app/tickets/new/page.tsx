import type { Metadata } from "next";
import { NewTicketForm } from "../../../components/tickets/new-ticket-form";
import { creatablePriorities } from "../../../server/policy";
import { getSettings } from "../../../server/settings/get-settings";
import { requirePageUser } from "../../_lib/session";
import { env } from "../../../server/env";

export const metadata: Metadata = { title: "New ticket" };

export default async function NewTicketPage() {
  const user = await requirePageUser("/tickets/new");
  // The server enforces the same list when the ticket is created.
  const priorities = creatablePriorities(user, await getSettings());
  return (
    <div className="narrow">
      <h1>New ticket</h1>
      <section className="card">
        <NewTicketForm priorities={priorities} maxFileBytes={env().maxUploadBytes} />
      </section>
    </div>
  );
}
