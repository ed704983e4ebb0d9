"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { ZChangePassword, ZUpdateAccount } from "../../shared/schemas/users";
import { apiFetch, errorMessage, zodFieldErrors } from "../../client/api-client";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useTypedBeforeHydration } from "../../hooks/use-hydrated";
import { FieldError, focusFirstInvalid, invalidProps } from "../ui/field-error";

type Result = { ok: boolean; text: string } | null;

function Result({ result }: { result: Result }) {
  // Always rendered, so screen readers announce the result when it appears.
  return (
    <p role="status" aria-live="polite" className={result && !result.ok ? "field__error" : "muted"}>
      {result?.text}
    </p>
  );
}

/** The signed-in user's own name. */
export function NameForm({ initial }: { initial: string }) {
  const router = useRouter();
  const [name, setName] = useState(initial);
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<Result>(null);
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const input = useRef<HTMLInputElement>(null);
  useTypedBeforeHydration(input, name, setName);
  return (
    <ClientForm
      className="form"
      aria-label="Name"
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const parsed = ZUpdateAccount.safeParse({ name });
        if (!parsed.success) {
          const errors = zodFieldErrors(parsed.error.issues);
          setFields(errors);
          setResult(null);
          focusFirstInvalid(form, ["name"], errors);
          return;
        }
        setFields({});
        setPending(true);
        setResult(null);
        try {
          await apiFetch("/api/account", { method: "PATCH", json: parsed.data });
          setResult({ ok: true, text: "Name saved." });
          router.refresh();
        } catch (err) {
          const errors = (err as { fields?: Record<string, string[]> }).fields ?? {};
          setFields(errors);
          focusFirstInvalid(form, ["name"], errors);
          setResult({ ok: false, text: errorMessage(err) });
        } finally {
          setPending(false);
        }
      }}
    >
      <div className="field">
        <label htmlFor="account-name">Name</label>
        <input id="account-name" ref={input} name="name" type="text" maxLength={100} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} {...invalidProps("account-name", fields.name)} />
        <FieldError id="account-name-error" messages={fields.name} />
      </div>
      <SubmitButton className="button" disabled={pending}>
        Save name
      </SubmitButton>
      <Result result={result} />
    </ClientForm>
  );
}

const PASSWORD_FIELDS = ["currentPassword", "newPassword"] as const;

/** Change one's own password: the current one is required; other sessions are signed out. */
export function ChangePasswordForm() {
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<Result>(null);
  return (
    <ClientForm
      className="form"
      aria-label="Change password"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        const parsed = ZChangePassword.safeParse({ currentPassword: data.get("currentPassword"), newPassword: data.get("newPassword") });
        if (!parsed.success) {
          const errors = zodFieldErrors(parsed.error.issues);
          setFields(errors);
          setResult(null);
          focusFirstInvalid(form, PASSWORD_FIELDS, errors);
          return;
        }
        setFields({});
        setPending(true);
        setResult(null);
        try {
          const { revoked } = await apiFetch<{ revoked: number }>("/api/account/password", { method: "POST", json: parsed.data });
          form.reset();
          setResult({ ok: true, text: `Password changed.${revoked ? ` Signed out ${revoked} other ${revoked === 1 ? "session" : "sessions"}.` : ""}` });
        } catch (err) {
          const errors = (err as { fields?: Record<string, string[]> }).fields ?? {};
          setFields(errors);
          focusFirstInvalid(form, PASSWORD_FIELDS, errors);
          // A field's own error says it there (and is read with the field); the status line says the rest.
          setResult(Object.keys(errors).length > 0 ? null : { ok: false, text: errorMessage(err) });
        } finally {
          setPending(false);
        }
      }}
    >
      <div className="field">
        <label htmlFor="account-current-password">Current password</label>
        <input id="account-current-password" name="currentPassword" type="password" autoComplete="current-password" {...invalidProps("account-current-password", fields.currentPassword)} />
        <FieldError id="account-current-password-error" messages={fields.currentPassword} />
      </div>
      <div className="field">
        <label htmlFor="account-new-password">New password</label>
        <input id="account-new-password" name="newPassword" type="password" autoComplete="new-password" {...invalidProps("account-new-password", fields.newPassword)} />
        <FieldError id="account-new-password-error" messages={fields.newPassword} />
      </div>
      <SubmitButton className="button" disabled={pending}>
        Change password
      </SubmitButton>
      <Result result={result} />
    </ClientForm>
  );
}
