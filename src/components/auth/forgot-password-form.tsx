"use client";

import { useState } from "react";
import { ZRequestPasswordReset } from "../../shared/schemas/users";
import { apiFetch, errorMessage, zodFieldErrors } from "../../client/api-client";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { FieldError, focusFirstInvalid, invalidProps } from "../ui/field-error";

/**
 * "Forgot your password?": asks for a link by mail (POST /api/password-reset).
 * The answer never says whether the address has an account, so neither does
 * the page: the same words for both.
 */
export function ForgotPasswordForm() {
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  if (sentTo) {
    return (
      <p role="status" className="alert alert--success">
        If {sentTo} has an account here, a link to set a new password is on its way to it. It works once, for a limited time. No mail after a few minutes? Check
        the spam folder, or ask again.
      </p>
    );
  }
  return (
    <ClientForm
      className="form"
      noValidate
      aria-label="Reset your password"
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const parsed = ZRequestPasswordReset.safeParse({ email: new FormData(form).get("email") });
        if (!parsed.success) {
          const errors = zodFieldErrors(parsed.error.issues);
          setFields(errors);
          focusFirstInvalid(form, ["email"], errors);
          return;
        }
        setFields({});
        setError(null);
        setPending(true);
        try {
          await apiFetch("/api/password-reset", { method: "POST", json: parsed.data });
          setSentTo(parsed.data.email);
        } catch (err) {
          setError(errorMessage(err));
        }
        setPending(false);
      }}
    >
      {error && (
        <p role="alert" className="alert alert--error">
          {error}
        </p>
      )}
      <div className="field">
        <label htmlFor="reset-email">Email</label>
        <input id="reset-email" name="email" type="email" autoComplete="username" required {...invalidProps("reset-email", fields.email)} />
        <FieldError id="reset-email-error" messages={fields.email} />
      </div>
      <SubmitButton className="button button--primary button--block" disabled={pending}>
        {pending ? "Sending…" : "Mail me a link"}
      </SubmitButton>
    </ClientForm>
  );
}
