"use client";

import { useState } from "react";
import type { TagDTO } from "../../shared/dto";
import { apiFetch } from "../../client/api-client";

/**
 * The list filter's tag box: a plain form field (`tag`), suggesting the tags
 * in use once it is focused (staff only, like tags themselves).
 */
export function TagFilterInput({ defaultValue }: { defaultValue: string }) {
  const [tags, setTags] = useState<TagDTO[] | null>(null);
  return (
    <>
      <input
        id="filter-tag"
        type="text"
        name="tag"
        list="filter-tag-suggestions"
        defaultValue={defaultValue}
        placeholder="Any tag"
        autoComplete="off"
        maxLength={200}
        onFocus={() => {
          if (tags === null) apiFetch<{ items: TagDTO[] }>("/api/tags?limit=100").then((r) => setTags(r.items), () => setTags([]));
        }}
      />
      <datalist id="filter-tag-suggestions">
        {(tags ?? []).map((t) => (
          <option key={t.name} value={t.name}>{`${t.name} (${t.count})`}</option>
        ))}
      </datalist>
    </>
  );
}
