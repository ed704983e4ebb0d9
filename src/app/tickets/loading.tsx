/** Shown while a tickets page renders on the server. */
export default function Loading() {
  return (
    <div className="loading" aria-live="polite" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      Loading…
    </div>
  );
}
