"use client";

import { Link } from "../components/ui/link";
import { useEffect } from "react";

/** Unexpected failures in any page: say so plainly and offer a retry. */
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <section className="card state-page" role="alert" aria-labelledby="error-title">
      <h1 id="error-title">Something went wrong</h1>
      <p>The page could not be loaded. It may be a temporary problem.</p>
      {digest && <p className="muted small">Reference: {digest}</p>}
      <p className="state-page__actions">
        <button type="button" className="button button--primary" onClick={() => retry()}>
          Try again
        </button>
        <Link href="/tickets" className="button">
          Back to tickets
        </Link>
      </p>
    </section>
  );
}
