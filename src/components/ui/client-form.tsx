"use client";

import type { ComponentProps } from "react";
import { useHydrated } from "../../hooks/use-hydrated";

/**
 * A form whose submit is handled in the browser (fetch, then state). Before
 * the page's scripts have hydrated it, a form without a method is submitted
 * natively as a GET: every field, a password or a private note included,
 * lands in the URL, the browser's history, Referer headers and the proxy's
 * access log. So:
 * - `method="post"`: a native submit, if one ever happens, carries the fields
 *   in the body (pages answer POST with 405, so nothing is processed);
 * - its submit buttons (SubmitButton) are disabled until hydrated, which also
 *   stops Enter in a field from submitting (implicit submission needs an
 *   enabled default button).
 * Filters (a GET form on purpose: the URL is the state) use next/form instead.
 */
export function ClientForm(props: Omit<ComponentProps<"form">, "method" | "action">) {
  return <form method="post" {...props} />;
}

/** A form's submit button: disabled while `disabled` or until the page is hydrated (see ClientForm). */
export function SubmitButton({ disabled, ...props }: Omit<ComponentProps<"button">, "type">) {
  const hydrated = useHydrated();
  return <button type="submit" disabled={!hydrated || disabled} {...props} />;
}
