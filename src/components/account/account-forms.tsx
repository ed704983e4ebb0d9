"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { ZChangePassword, ZUpdateAccount } from "../../shared/schemas/users";
import { apiFetch, errorMessage, zodFieldErrors } from "../../client/api-client";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useTypedBeforeHydration } from "../../hooks/use-hydrated";

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
  const input = useRef<HTMLInputElement>(null);
  useTypedBeforeHydration(input, name, setName);
  return (
    <ClientForm
      className="form"
      aria-label="Name"
      onSubmit={async (e) => {
        e.preventDefault();
        const parsed = ZUpdateAccount.safeParse({ name });
        if (!parsed.success) return setResult({ ok: false, text: parsed.error.issues[0]!.message });
        setPending(true);
        setResult(null);
        try {
          await apiFetch("/api/account", { method: "PATCH", json: parsed.data });
          setResult({ ok: true, text: "Name saved." });
          router.refresh();
        } catch (err) {
          setResult({ ok: false, text: errorMessage(err) });
        } finally {
          setPending(false);
        }
      }}
    >
      <div className="field">
        <label htmlFor="account-name">Name</label>
        <input id="account-name" ref={input} name="name" type="text" maxLength={100} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <SubmitButton className="button" disabled={pending}>
        Save name
      </SubmitButton>
      <Result result={result} />
    </ClientForm>
  );
}

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
          setFields(zodFieldErrors(parsed.error.issues));
          setResult(null);
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
          setFields((err as { fields?: Record<string, string[]> }).fields ?? {});
          setResult({ ok: false, text: errorMessage(err) });
        } finally {
          setPending(false);
        }
      }}
    >
      <div className="field">
        <label htmlFor="account-current-password">Current password</label>
        <input id="account-current-password" name="currentPassword" type="password" autoComplete="current-password" aria-invalid={fields.currentPassword ? true : undefined} />
        {fields.currentPassword && <p className="field__error">{fields.currentPassword[0]}</p>}
      </div>
      <div className="field">
        <label htmlFor="account-new-password">New password</label>
        <input id="account-new-password" name="newPassword" type="password" autoComplete="new-password" aria-invalid={fields.newPassword ? true : undefined} />
        {fields.newPassword && <p className="field__error">{fields.newPassword[0]}</p>}
      </div>
      <SubmitButton className="button" disabled={pending}>
        Change password
      </SubmitButton>
      <Result result={result} />
    </ClientForm>
  );
}
