"use client";

import { useRef, useState } from "react";
import type { UserDTO } from "../../shared/dto";
import { ROLES, type Role } from "../../shared/enums";
import type { InviteIssued } from "../../shared/invite";
import { ZCreateUser, ZNewPassword, ZUpdateUser } from "../../shared/schemas/users";
import { apiFetch, errorMessage, zodFieldErrors } from "../../client/api-client";
import { ROLE_LABELS } from "../lib/format";
import { EnumOptions } from "../ui/enum-options";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useHydrated, useTypedBeforeHydration } from "../../hooks/use-hydrated";
import { FieldError, invalidProps } from "../ui/field-error";

type Notice = { ok: boolean; text: string; invite?: InviteIssued; who?: string } | null;

/**
 * Where an invite went: with mail on, the address it was mailed to (the
 * admin never sees the link); with mail off, the link to hand over.
 */
function InviteNotice({ invite, who }: { invite: InviteIssued; who: string }) {
  const until = new Date(invite.expiresAt).toLocaleString("en-GB");
  if (invite.delivery === "mail") {
    return (
      <span>
        Invite sent to {invite.sentTo} (the link works once, until {until}).
      </span>
    );
  }
  return (
    <span>
      Invite link for {who} (works once, until {until}): <code aria-label={`Invite link for ${who}`}>{invite.url}</code>
    </span>
  );
}

/**
 * The admin's user list: add a user (with a password, or an invite link),
 * change role and active, set a password or issue a new invite link. Every
 * form is checked with the API's own schemas first; the server checks again.
 * `mailEnabled`: invite links are mailed to the person, not shown here.
 */
export function UsersAdmin({ initial, mailEnabled }: { initial: UserDTO[]; mailEnabled: boolean }) {
  const [users, setUsers] = useState(initial);
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [notice, setNotice] = useState<Notice>(null);
  const [pending, setPending] = useState(false);

  async function create(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const parsed = ZCreateUser.safeParse({
      email: data.get("email"),
      name: data.get("name"),
      role: data.get("role"),
      password: data.get("password") || undefined,
    });
    if (!parsed.success) {
      setFields(zodFieldErrors(parsed.error.issues));
      setNotice(null);
      return;
    }
    setFields({});
    setPending(true);
    try {
      const res = await apiFetch<{ user: UserDTO; invite?: InviteIssued }>("/api/users", { method: "POST", json: parsed.data });
      setUsers((list) => [...list, res.user].sort((a, b) => a.name.localeCompare(b.name)));
      setNotice({ ok: true, text: `Added ${res.user.name}.`, invite: res.invite, who: res.user.name });
      form.reset();
    } catch (err) {
      setFields((err as { fields?: Record<string, string[]> }).fields ?? {});
      setNotice({ ok: false, text: errorMessage(err) });
    } finally {
      setPending(false);
    }
  }

  const err = (name: string) => <FieldError id={`new-user-${name}-error`} messages={fields[name]} />;
  const invalid = (name: string, hint?: string) => invalidProps(`new-user-${name}`, fields[name], hint);

  return (
    <>
      <section className="card" aria-labelledby="users-add">
        <h2 id="users-add" className="card__title">
          Add a user
        </h2>
        <ClientForm className="form" onSubmit={create} noValidate aria-label="Add a user">
          <div className="field">
            <label htmlFor="new-user-email">Email</label>
            <input id="new-user-email" name="email" type="email" autoComplete="off" required {...invalid("email")} />
            {err("email")}
          </div>
          <div className="field">
            <label htmlFor="new-user-name">Name</label>
            <input id="new-user-name" name="name" type="text" maxLength={100} required {...invalid("name")} />
            {err("name")}
          </div>
          <div className="field field--narrow">
            <label htmlFor="new-user-role">Role</label>
            <select id="new-user-role" name="role" defaultValue={ROLES[0]}>
              <EnumOptions values={ROLES} labels={ROLE_LABELS} />
            </select>
          </div>
          <div className="field">
            <label htmlFor="new-user-password">Password (optional)</label>
            <input id="new-user-password" name="password" type="password" autoComplete="new-password" {...invalid("password", "new-user-password-hint")} />
            <p id="new-user-password-hint" className="muted small">
              {mailEnabled
                ? "Leave empty to email them an invite link instead: they set their own password with it."
                : "Leave empty to get an invite link instead: the person sets their own password with it."}
            </p>
            {err("password")}
          </div>
          <SubmitButton className="button button--primary" disabled={pending}>
            Add user
          </SubmitButton>
          <p role="status" aria-live="polite" className={notice && !notice.ok ? "field__error" : "muted"}>
            {notice?.text} {notice?.invite && <InviteNotice invite={notice.invite} who={notice.who ?? "them"} />}
          </p>
        </ClientForm>
      </section>
      <section className="card" aria-labelledby="users-list">
        <h2 id="users-list" className="card__title">
          Users
        </h2>
        <div className="table-wrap">
          <table aria-label="Users">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Active</th>
                <th scope="col">Password</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <UserRow
                  key={u.id}
                  user={u}
                  mailEnabled={mailEnabled}
                  onChange={(next) => setUsers((list) => list.map((x) => (x.id === next.id ? next : x)))}
                />
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function UserRow({ user, mailEnabled, onChange }: { user: UserDTO; mailEnabled: boolean; onChange: (u: UserDTO) => void }) {
  const [notice, setNotice] = useState<Notice>(null);
  const [pending, setPending] = useState(false);
  const [password, setPassword] = useState("");
  // The role select and the Active box act at once: a change made before hydration would never be saved.
  const hydrated = useHydrated();
  const passwordInput = useRef<HTMLInputElement>(null);
  useTypedBeforeHydration(passwordInput, password, setPassword);

  async function run(work: () => Promise<void>) {
    setPending(true);
    setNotice(null);
    try {
      await work();
    } catch (e) {
      setNotice({ ok: false, text: errorMessage(e) });
    } finally {
      setPending(false);
    }
  }

  const patch = (change: { role?: Role; active?: boolean }) =>
    run(async () => {
      const body = ZUpdateUser.parse(change);
      onChange(await apiFetch<UserDTO>(`/api/users/${user.id}`, { method: "PATCH", json: body }));
      setNotice({ ok: true, text: "Saved." });
    });

  return (
    <tr>
      <td>{user.name}</td>
      <td>{user.email}</td>
      <td>
        <select aria-label={`Role of ${user.name}`} value={user.role} disabled={pending || !hydrated} onChange={(e) => patch({ role: e.target.value as Role })}>
          <EnumOptions values={ROLES} labels={ROLE_LABELS} />
        </select>
      </td>
      <td>
        <label className="checkbox">
          <input type="checkbox" checked={user.active} disabled={pending || !hydrated} onChange={(e) => patch({ active: e.target.checked })} />
          <span>{user.active ? "Active" : "Deactivated"}</span>
          <span className="visually-hidden"> ({user.name})</span>
        </label>
      </td>
      <td>
        <ClientForm
          aria-label={`Password of ${user.name}`}
          onSubmit={(e) => {
            e.preventDefault();
            const parsed = ZNewPassword.safeParse(password);
            if (!parsed.success) {
              setNotice({ ok: false, text: parsed.error.issues[0]!.message });
              return;
            }
            void run(async () => {
              await apiFetch(`/api/users/${user.id}/password`, { method: "POST", json: { password: parsed.data } });
              setPassword("");
              setNotice({ ok: true, text: "Password set; their sessions were signed out." });
            });
          }}
        >
          <input
            ref={passwordInput}
            type="password"
            aria-label={`New password for ${user.name}`}
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />{" "}
          <SubmitButton className="button" disabled={pending}>
            Set password
          </SubmitButton>{" "}
          <button
            type="button"
            className="button"
            disabled={pending}
            onClick={() =>
              run(async () => {
                const res = await apiFetch<{ invite: InviteIssued }>(`/api/users/${user.id}/invite`, { method: "POST" });
                setNotice({ ok: true, text: "", invite: res.invite });
              })
            }
          >
            {mailEnabled ? "Email invite link" : "Create invite link"}
            <span className="visually-hidden"> for {user.name}</span>
          </button>
        </ClientForm>
        <p role="status" aria-live="polite" className={notice && !notice.ok ? "field__error" : "muted"}>
          {notice?.text} {notice?.invite && <InviteNotice invite={notice.invite} who={user.name} />}
        </p>
      </td>
    </tr>
  );
}

