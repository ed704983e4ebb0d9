"use client";

import { useState } from "react";
import { ZSignIn } from "../../shared/schemas/auth";
import { safeRedirectPath } from "../../shared/safe-redirect";
import { zodFieldErrors } from "../../client/api-client";
import { postCredentials, signInErrorMessage } from "../../client/sign-in";
import { ClientForm, SubmitButton } from "../ui/client-form";

/** Only same-origin paths are followed after sign-in (no open redirects). */
function safeCallback(raw: string | undefined): string {
  return safeRedirectPath(raw, window.location.origin);
}

export function LoginForm({ callbackUrl, initialError }: { callbackUrl?: string; initialError?: string }) {
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(
    initialError ? signInErrorMessage(initialError) : null,
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
    <ClientForm className="form" onSubmit={onSubmit} noValidate aria-describedby={error ? "login-error" : undefined}>
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
      <SubmitButton className="button button--primary button--block" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </SubmitButton>
    </ClientForm>
  );
}
