import { Link } from "../components/ui/link";

export default function NotFound() {
  return (
    <section className="card state-page" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Page not found</h1>
      <p>There is nothing at this address.</p>
      <p className="state-page__actions">
        <Link href="/tickets" className="button button--primary">
          Go to tickets
        </Link>
      </p>
    </section>
  );
}
