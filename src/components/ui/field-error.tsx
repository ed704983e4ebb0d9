/**
 * A field's error, tied to its field: the text has an id the field names in
 * `aria-describedby` (with any hint it already had), so a screen reader reads
 * it on the field, and `focusFirstInvalid` takes keyboard users there.
 */
export function FieldError({ id, messages }: { id: string; messages?: string[] }) {
  if (!messages?.length) return null;
  return (
    <p id={id} className="field__error">
      {messages[0]}
    </p>
  );
}

/**
 * The ARIA attributes of a field with `messages` (its error's id is
 * `${fieldId}-error`), keeping `hint` (an id) described either way.
 */
export function invalidProps(fieldId: string, messages: string[] | undefined, hint?: string): { "aria-invalid"?: true; "aria-describedby"?: string } {
  const ids = [messages?.length ? `${fieldId}-error` : undefined, hint].filter(Boolean).join(" ");
  return { ...(messages?.length ? { "aria-invalid": true as const } : {}), ...(ids ? { "aria-describedby": ids } : {}) };
}

/** Move focus to the first of `names` (form field names, in order) that has an error. */
export function focusFirstInvalid(form: HTMLFormElement | null, names: readonly string[], fields: Record<string, string[] | undefined>): void {
  const name = names.find((n) => fields[n]?.length);
  const el = name && form ? form.elements.namedItem(name) : null;
  if (el instanceof HTMLElement) el.focus();
}
