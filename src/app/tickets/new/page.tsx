import type { Metadata } from "next";
import { NewTicketForm } from "../../../components/tickets/new-ticket-form";
import { requirePageUser } from "../../_lib/session";

export const metadata: Metadata = { title: "New ticket" };

export default async function NewTicketPage() {
  await requirePageUser("/tickets/new");
  return (
    <div className="narrow">
      <h1>New ticket</h1>
      <section className="card">
        <NewTicketForm />
      </section>
    </div>
  );
}
