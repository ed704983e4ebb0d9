"use client";

import "./globals.css";

/** Last resort when the root layout itself fails; it renders its own document. */
export default function GlobalError({ retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en">
      <body>
        <main id="main" className="page">
          <title>Error · Tandem</title>
          <section className="card state-page" role="alert">
            <h1>Tandem is having trouble</h1>
            <p>Something went wrong while loading the app.</p>
            <p className="state-page__actions">
              <button type="button" className="button button--primary" onClick={() => retry()}>
                Try again
              </button>
            </p>
          </section>
        </main>
      </body>
    </html>
  );
}
