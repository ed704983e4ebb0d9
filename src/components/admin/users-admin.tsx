"use client";

import { useRef, useState } from "react";
import type { UserDTO } from "../../shared/dto";
import { ROLES, type Role } from "../../shared/enums";
import type { InviteIssued } from "../../shared/invite";
import type { RoleEffects } from "../../shared/permissions";
import { ZCreateUser, ZNewPassword, ZUpdateUser } from "../../shared/schemas/users";
import { apiFetch, errorMessage, zodFieldErrors } from "../../client/api-client";
import { ROLE_LABELS } from "../lib/format";
import { EnumOptions } from "../ui/enum-options";
import { ClientForm, SubmitButton } from "../ui/client-form";
import { useHydrated, useTypedBeforeHydration } from "../../hooks/use-hydrated";
import { useFocusAfterMore } from "../../hooks/use-focus-after-more";
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

/** The list's filters, as the page URL carries them. */
export type UsersQuery = { q?: string; role?: Role; state?: "active" | "deactivated" };

function queryString(query: UsersQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...query, ...extra })) if (v) params.set(k, v);
  return params.toString();
}

/**
 * The admin's user list: add a user (with a password, or an invite link),
 * find users (by name or address, role, active), change their details,
 * role and active state, set a password or issue a new invite link. Every
 * form is checked with the API's own schemas first; the server checks again.
 * `mailEnabled`: invite links are mailed to the person, not shown here.
 */
export function UsersAdmin({
  initial,
  nextCursor: firstCursor,
  query,
  mailEnabled,
  roleEffects,
}: {
  initial: UserDTO[];
  nextCursor: string | null;
  query: UsersQuery;
  mailEnabled: boolean;
  /** What each role allows (the policy's roleEffectsOf), to say what a role change will do. */
  roleEffects: Record<Role, RoleEffects>;
}) {
  const [users, setUsers] = useState(initial);
  const [cursor, setCursor] = useState(firstCursor);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [notice, setNotice] = useState<Notice>(null);
  const [pending, setPending] = useState(false);
  const filtered = Boolean(query.q || query.role || query.state);
  const table = useRef<HTMLTableElement>(null);
  const focusFrom = useFocusAfterMore(users.length, (i) =>
    table.current?.querySelectorAll<HTMLElement>("tbody tr")[i]?.querySelector<HTMLElement>("button, select, input")?.focus(),
  );

  async function more() {
    if (!cursor || loadingMore) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await apiFetch<{ items: UserDTO[]; nextCursor: string | null }>(`/api/users?${queryString(query, { cursor, limit: "50" })}`);
      focusFrom(users.length);
      setUsers((list) => [...list, ...page.items.filter((u) => !list.some((x) => x.id === u.id))]);
      setCursor(page.nextCursor);
    } catch (e) {
      setMoreError(`Could not load more: ${errorMessage(e)}`);
    } finally {
      setLoadingMore(false);
    }
  }

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
      // First, whatever the filters: the admin looks for the person just added.
      setUsers((list) => [res.user, ...list.filter((u) => u.id !== res.user.id)]);
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
        {/* A plain GET form: the URL is the state, and it works before the scripts load. */}
        <form action="/admin/users" className="filters" role="search" aria-label="Find users">
          <div className="field field--grow">
            <label htmlFor="users-q">Search</label>
            <input id="users-q" name="q" type="search" defaultValue={query.q ?? ""} placeholder="Part of a name or an email address" autoComplete="off" />
          </div>
          <div className="field">
            <label htmlFor="users-role">Role</label>
            <select id="users-role" name="role" defaultValue={query.role ?? ""}>
              <option value="">Any role</option>
              <EnumOptions values={ROLES} labels={ROLE_LABELS} />
            </select>
          </div>
          <div className="field">
            <label htmlFor="users-state">State</label>
            <select id="users-state" name="state" defaultValue={query.state ?? ""}>
              <option value="">Active or not</option>
              <option value="active">Active</option>
              <option value="deactivated">Deactivated</option>
            </select>
          </div>
          <div className="filters__actions">
            <button type="submit" className="button">
              Apply
            </button>
            {filtered && (
              <a href="/admin/users" className="button button--ghost">
                Clear
              </a>
            )}
          </div>
        </form>
        {users.length === 0 ? (
          <p className="muted">{filtered ? "No user matches these filters." : "No users yet."}</p>
        ) : (
          <div className="table-wrap">
            <table aria-label="Users" ref={table}>
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
                    roleEffects={roleEffects}
                    onChange={(next) => setUsers((list) => list.map((x) => (x.id === next.id ? next : x)))}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {cursor && (
          <p>
            <button type="button" className="button" onClick={() => void more()} aria-disabled={loadingMore || undefined}>
              {loadingMore ? "Loading…" : "Show more users"}
            </button>
          </p>
        )}
        {moreError && (
          <p role="alert" className="alert alert--error">
            {moreError}
          </p>
        )}
      </section>
    </>
  );
}

type Details = { name: string; email: string; role: Role; active: boolean };

/**
 * What saving `to` over `from` does beyond the fields themselves, said
 * before the admin saves: a deactivation or a demotion signs the person
 * out and unassigns their open tickets, and one click used to do that.
 */
function consequences(from: Details, to: Details, effects: Record<Role, RoleEffects>): string[] {
  const said: string[] = [];
  const who = from.name;
  if (from.active && !to.active) said.push(`${who} will be signed out everywhere, and their open tickets unassigned.`);
  if (!from.active && to.active) said.push(`${who} will be able to sign in again.`);
  if (from.role !== to.role) {
    // What each role allows is the policy's (the page passes it in).
    const was = effects[from.role];
    const will = effects[to.role];
    if (was.seeAllTickets && !will.seeAllTickets) said.push(`${who} will see only their own tickets${will.readInternal ? "" : " and no internal notes"}.`);
    if (!was.seeAllTickets && will.seeAllTickets) said.push(`${who} will see every ticket${will.readInternal ? " and internal notes" : ""}.`);
    if (!was.administer && will.administer) said.push(`${who} will manage users and settings.`);
    if (was.administer && !will.administer) said.push(`${who} will no longer manage users and settings.`);
    if (was.assignable && !will.assignable && to.active) said.push("Their open tickets will be unassigned.");
    if (to.active) said.push("Their open pages reload with the new role.");
  }
  if (from.email !== to.email) said.push(`${who} will sign in with ${to.email} from now on.`);
  return said;
}

function UserRow({
  user,
  mailEnabled,
  roleEffects,
  onChange,
}: {
  user: UserDTO;
  mailEnabled: boolean;
  roleEffects: Record<Role, RoleEffects>;
  onChange: (u: UserDTO) => void;
}) {
  const [notice, setNotice] = useState<Notice>(null);
  const [pending, setPending] = useState(false);
  const [password, setPassword] = useState("");
  /** Changes not saved yet: role, active, and name and email while editing them. */
  const [draft, setDraft] = useState<Partial<Details>>({});
  const [editing, setEditing] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  // A change made before hydration would show and never be saved.
  const hydrated = useHydrated();
  const passwordInput = useRef<HTMLInputElement>(null);
  const roleSelect = useRef<HTMLSelectElement>(null);
  const status = useRef<HTMLParagraphElement>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  useTypedBeforeHydration(passwordInput, password, setPassword);

  const saved: Details = { name: user.name, email: user.email, role: user.role, active: user.active };
  const next: Details = { ...saved, ...draft };
  const changed = (Object.keys(saved) as (keyof Details)[]).filter((k) => String(next[k]).trim() !== String(saved[k]));
  const said = consequences(saved, next, roleEffects);

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

  function cancel() {
    setDraft({});
    setEditing(false);
    setFieldErrors({});
    setNotice(null);
    roleSelect.current?.focus();
  }

  function save() {
    if (pending || changed.length === 0) return;
    const parsed = ZUpdateUser.safeParse(Object.fromEntries(changed.map((k) => [k, next[k]])));
    if (!parsed.success) {
      setFieldErrors(zodFieldErrors(parsed.error.issues));
      return;
    }
    setFieldErrors({});
    void run(async () => {
      try {
        const res = await apiFetch<UserDTO & { unassignedTickets: number }>(`/api/users/${user.id}`, { method: "PATCH", json: parsed.data });
        const { unassignedTickets, ...updated } = res;
        onChange(updated);
        setDraft({});
        setEditing(false);
        const n = unassignedTickets;
        setNotice({ ok: true, text: `Saved.${n > 0 ? ` ${n} open ${n === 1 ? "ticket was" : "tickets were"} unassigned.` : ""}` });
        // The Save button is gone: focus the result, not the page's start.
        requestAnimationFrame(() => status.current?.focus());
      } catch (e) {
        setFieldErrors((e as { fields?: Record<string, string[]> }).fields ?? {});
        throw e;
      }
    });
  }

  const idBase = `user-${user.id}`;
  return (
    <tr>
      <td>
        {editing ? (
          <>
            <input
              ref={nameInput}
              aria-label={`Name of ${user.name}`}
              value={next.name}
              maxLength={100}
              onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))}
              {...invalidProps(`${idBase}-name`, fieldErrors.name)}
            />
            <FieldError id={`${idBase}-name-error`} messages={fieldErrors.name} />
          </>
        ) : (
          <>
            {user.name}{" "}
            <button
              type="button"
              className="button button--ghost"
              disabled={!hydrated}
              onClick={() => {
                setEditing(true);
                requestAnimationFrame(() => nameInput.current?.focus());
              }}
            >
              Edit<span className="visually-hidden"> name and email of {user.name}</span>
            </button>
          </>
        )}
      </td>
      <td>
        {editing ? (
          <>
            <input
              type="email"
              aria-label={`Email of ${user.name}`}
              value={next.email}
              maxLength={320}
              onChange={(e) => setDraft((d) => ({ ...d, email: e.target.value }))}
              {...invalidProps(`${idBase}-email`, fieldErrors.email)}
            />
            <FieldError id={`${idBase}-email-error`} messages={fieldErrors.email} />
          </>
        ) : (
          user.email
        )}
      </td>
      <td>
        <select
          ref={roleSelect}
          aria-label={`Role of ${user.name}`}
          value={next.role}
          disabled={!hydrated}
          onChange={(e) => setDraft((d) => ({ ...d, role: e.target.value as Role }))}
        >
          <EnumOptions values={ROLES} labels={ROLE_LABELS} />
        </select>
      </td>
      <td>
        <label className="checkbox">
          <input type="checkbox" checked={next.active} disabled={!hydrated} onChange={(e) => setDraft((d) => ({ ...d, active: e.target.checked }))} />
          <span>{next.active ? "Active" : "Deactivated"}</span>
          <span className="visually-hidden"> ({user.name})</span>
        </label>
      </td>
      <td>
        {changed.length > 0 && (
          <div className="user-row__confirm">
            {said.length > 0 && (
              <p className="small" id={`${idBase}-consequences`}>
                {said.join(" ")}
              </p>
            )}
            <button
              type="button"
              className="button button--primary"
              aria-disabled={pending || undefined}
              aria-describedby={said.length > 0 ? `${idBase}-consequences` : undefined}
              onClick={save}
            >
              Save changes<span className="visually-hidden"> for {user.name}</span>
            </button>{" "}
            <button type="button" className="button" onClick={cancel}>
              Cancel<span className="visually-hidden"> changes for {user.name}</span>
            </button>
          </div>
        )}
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
        <p ref={status} tabIndex={-1} role="status" aria-live="polite" className={notice && !notice.ok ? "field__error" : "muted"}>
          {notice?.text} {notice?.invite && <InviteNotice invite={notice.invite} who={user.name} />}
        </p>
      </td>
    </tr>
  );
}
