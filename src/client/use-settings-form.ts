"use client";

import { useState } from "react";
import type { z } from "zod";
import { apiFetch, errorMessage, zodFieldErrors } from "./api-client";

/**
 * A settings form's state and its save: validate with the route's own
 * schema, PUT it, show the server's answer (what it stored) and a result line.
 */
export function useSettingsForm<T, S extends z.ZodType>(initial: T, opts: { url: string; schema: S; savedText?: string }) {
  const [settings, setSettings] = useState(initial);
  const [pending, setPending] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  async function save(e: React.FormEvent, body: unknown = settings) {
    e.preventDefault();
    const parsed = opts.schema.safeParse(body);
    if (!parsed.success) {
      setResult({ ok: false, text: Object.values(zodFieldErrors(parsed.error.issues)).flat()[0] ?? "Invalid settings" });
      return;
    }
    setPending(true);
    setResult(null);
    try {
      setSettings(await apiFetch<T>(opts.url, { method: "PUT", json: parsed.data }));
      setResult({ ok: true, text: opts.savedText ?? "Saved." });
    } catch (err) {
      setResult({ ok: false, text: errorMessage(err) });
    } finally {
      setPending(false);
    }
  }

  return { settings, setSettings, pending, result, save };
}
