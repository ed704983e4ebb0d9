"use client";

import { useState } from "react";
import type { z } from "zod";
import { apiFetch, errorMessage, zodFieldErrors } from "./api-client";

/**
 * A settings form's state and its save: validate with the route's own
 * schema, PUT what the form changed, show the server's answer (what it
 * stored) and a result line.
 *
 * Only the fields that differ from the last answer are sent (every settings
 * route takes any of its fields): a form left open while someone else
 * changed another setting must not put that one back (two admins on
 * /admin/settings, or a user's two tabs), and the audit log then records
 * only what this person changed.
 */
export function useSettingsForm<T extends object, S extends z.ZodType>(initial: T, opts: { url: string; schema: S; savedText?: string }) {
  const [settings, setSettings] = useState(initial);
  /** What the server last said it stored. */
  const [saved, setSaved] = useState(initial);
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  async function save(e: React.FormEvent, body: object = settings) {
    e.preventDefault();
    const parsed = opts.schema.safeParse(body);
    if (!parsed.success) {
      setResult({ ok: false, text: Object.values(zodFieldErrors(parsed.error.issues)).flat()[0] ?? "Invalid settings" });
      return;
    }
    const changed = Object.fromEntries(
      Object.entries(parsed.data as Record<string, unknown>).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify((saved as Record<string, unknown>)[k])),
    );
    if (Object.keys(changed).length === 0) {
      setResult({ ok: true, text: "Nothing to save: no changes." });
      return;
    }
    setPending(true);
    setResult(null);
    try {
      const stored = await apiFetch<T>(opts.url, { method: "PUT", json: changed });
      setSettings(stored);
      setSaved(stored);
      setResult({ ok: true, text: opts.savedText ?? "Saved." });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setPending(false);
    }
  }

  return { settings, setSettings, pending, result, save };
}
