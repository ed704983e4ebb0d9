import { Link } from "../../../components/ui/link";

/** Unknown tickets and tickets the user may not see look the same, so ids cannot be probed. */
export default function TicketNotFound() {
  return (
    <section className="card state-page" aria-labelledby="ticket-not-found-title">
      <h1 id="ticket-not-found-title">Ticket not found</h1>
      <p>This ticket does not exist, or you do not have access to it.</p>
      <p className="state-page__actions">
        <Link href="/tickets" className="button button--primary">
          Back to tickets
        </Link>
      </p>
    </section>
  );
}
