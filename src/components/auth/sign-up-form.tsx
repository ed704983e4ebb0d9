"use client";

import { useState } from "react";
import { ZAcceptInvite, ZSignUp } from "../../shared/schemas/users";
import { apiFetch, errorMessage, zodFieldErrors } from "../../client/api-client";
import { postCredentials } from "../../client/sign-in";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { FieldError, invalidProps } from "../ui/field-error";

type Fields = Record<string, string[]>;

function Field({ id, name, label, type, autoComplete, fields }: { id: string; name: string; label: string; type: string; autoComplete: string; fields: Fields }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} name={name} type={type} autoComplete={autoComplete} required {...invalidProps(id, fields[name])} />
      <FieldError id={`${id}-error`} messages={fields[name]} />
    </div>
  );
}

/** Sign in with the new credentials, then load the tickets page in full (header and socket for the new session). */
async function signInAndGo(email: string, password: string): Promise<string | null> {
  const result = await postCredentials(email, password);
  if (!result.ok) return `Your password is set, but signing in failed: ${result.message}`;
  // A full load on purpose: the layout (header, socket) must render for the new session.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign("/tickets");
  return null;
}

/** Self sign-up: creates a requester account (POST /api/signup), then signs in. */
export function SignUpForm() {
  const [fields, setFields] = useState<Fields>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <ClientForm
      className="form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        const parsed = ZSignUp.safeParse({ name: data.get("name"), email: data.get("email"), password: data.get("password") });
        if (!parsed.success) return setFields(zodFieldErrors(parsed.error.issues));
        setFields({});
        setError(null);
        setPending(true);
        try {
          await apiFetch("/api/signup", { method: "POST", json: parsed.data });
          setError(await signInAndGo(parsed.data.email, parsed.data.password));
        } catch (err) {
          setFields((err as { fields?: Fields }).fields ?? {});
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
      <Field id="signup-name" name="name" label="Name" type="text" autoComplete="name" fields={fields} />
      <Field id="signup-email" name="email" label="Email" type="email" autoComplete="username" fields={fields} />
      <Field id="signup-password" name="password" label="Password" type="password" autoComplete="new-password" fields={fields} />
      <SubmitButton className="button button--primary button--block" disabled={pending}>
        {pending ? "Creating your account…" : "Create account"}
      </SubmitButton>
    </ClientForm>
  );
}

/** Accept an invite link: set a password (POST /api/invites/accept), then sign in. */
export function AcceptInviteForm({ token }: { token: string }) {
  const [fields, setFields] = useState<Fields>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <ClientForm
      className="form"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        const parsed = ZAcceptInvite.safeParse({ token, password: data.get("password") });
        if (!parsed.success) return setFields(zodFieldErrors(parsed.error.issues));
        setFields({});
        setError(null);
        setPending(true);
        try {
          const { email } = await apiFetch<{ email: string }>("/api/invites/accept", { method: "POST", json: parsed.data });
          setError(await signInAndGo(email, parsed.data.password));
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
      <Field id="invite-password" name="password" label="Choose a password" type="password" autoComplete="new-password" fields={fields} />
      <SubmitButton className="button button--primary button--block" disabled={pending}>
        {pending ? "Saving…" : "Set password and sign in"}
      </SubmitButton>
    </ClientForm>
  );
}
