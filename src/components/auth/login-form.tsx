"use client";

import { getCsrfToken } from "next-auth/react";
import { useState } from "react";
import { tooManyAttemptsMessage, ZSignIn } from "../../shared/schemas/auth";
import { safeRedirectPath } from "../../shared/safe-redirect";
import { zodFieldErrors } from "../../client/api-client";

/** Only same-origin paths are followed after sign-in (no open redirects). */
function safeCallback(raw: string | undefined): string {
  return safeRedirectPath(raw, window.location.origin);
}

const BAD_CREDENTIALS = "Incorrect email or password.";
const ERRORS: Record<string, string> = {
  CredentialsSignin: BAD_CREDENTIALS,
  SessionRequired: "Sign in to continue.",
  RateLimited: "Too many attempts, try again later.",
};

/** What the sign-in throttle says, from the answer's Retry-After (seconds). */
function tooManyAttempts(retryAfter: string | null): string {
  const seconds = Number(retryAfter);
  if (!Number.isFinite(seconds) || seconds <= 0) return ERRORS.RateLimited!;
  return tooManyAttemptsMessage(seconds);
}

type SignInResult = { ok: true } | { ok: false; message: string };

/**
 * next-auth's credentials callback, posted the way its signIn() does, but
 * keeping the response: signIn() drops the status and Retry-After a
 * throttled attempt (429) carries.
 */
async function postCredentials(email: string, password: string): Promise<SignInResult> {
  const csrfToken = (await getCsrfToken()) ?? "";
  const res = await fetch("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: window.location.href, json: "true" }),
  });
  if (res.status === 429) return { ok: false, message: tooManyAttempts(res.headers.get("Retry-After")) };
  const data = (await res.json().catch(() => ({}))) as { url?: string };
  let error: string | null = "CredentialsSignin";
  try {
    error = new URL(data.url ?? "", window.location.origin).searchParams.get("error");
  } catch {
    /* keep the generic error */
  }
  if (!res.ok || error) return { ok: false, message: ERRORS[error ?? ""] ?? BAD_CREDENTIALS };
  return { ok: true };
}

export function LoginForm({ callbackUrl, initialError }: { callbackUrl?: string; initialError?: string }) {
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(
    initialError ? (ERRORS[initialError] ?? "Sign-in failed. Try again.") : null,
  );
  const [pending, setPending] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const parsed = ZSignIn.safeParse({ email: form.get("email"), password: form.get("password") });
    if (!parsed.success) {
      const errors = zodFieldErrors(parsed.error.issues);
      setFields(errors);
      setError(null);
      const first = e.currentTarget.elements.namedItem(errors.email ? "email" : "password");
      if (first instanceof HTMLElement) first.focus();
      return;
    }
    setFields({});
    setError(null);
    setPending(true);
    try {
      const result = await postCredentials(parsed.data.email, parsed.data.password);
      if (!result.ok) {
        setError(result.message);
        setPending(false);
        return;
      }
      // A full load, so the layout (header, socket) is rendered for the new session.
      window.location.assign(safeCallback(callbackUrl));
    } catch {
      setError("Could not reach the server. Check your connection and try again.");
      setPending(false);
    }
  }

  return (
    <form className="form" onSubmit={onSubmit} noValidate aria-describedby={error ? "login-error" : undefined}>
      {error && (
        <p id="login-error" role="alert" className="alert alert--error">
          {error}
        </p>
      )}
      <div className="field">
        <label htmlFor="login-email">Email</label>
        <input
          id="login-email"
          name="email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          aria-invalid={fields.email ? true : undefined}
          aria-describedby={fields.email ? "login-email-error" : undefined}
        />
        {fields.email && (
          <p id="login-email-error" className="field__error">
            {fields.email[0]}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-invalid={fields.password ? true : undefined}
          aria-describedby={fields.password ? "login-password-error" : undefined}
        />
        {fields.password && (
          <p id="login-password-error" className="field__error">
            {fields.password[0]}
          </p>
        )}
      </div>
      <button type="submit" className="button button--primary button--block" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
