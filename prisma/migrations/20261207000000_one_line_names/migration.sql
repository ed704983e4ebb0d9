-- Names, ticket titles, canned-reply titles and view names are one line
-- (line() in src/shared/schemas/text.ts): no line breaks, other control
-- characters or text-direction overrides. Rows written before that rule may
-- hold them, and pages show stored text as it is: a name with U+202E
-- reversed the app's own words after it. Those rows are cleaned here, the
-- same way for every table: direction controls are removed, other controls
-- and line or paragraph separators become a space, and the result is
-- trimmed. Rows without such characters are not touched.
CREATE FUNCTION "tandem_one_line"(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT btrim(regexp_replace(
    regexp_replace(regexp_replace(s, '[\u202a-\u202e\u2066-\u2069]', '', 'g'), '[\x01-\x1f\x7f-\x9f\u2028\u2029]', ' ', 'g'),
    ' {2,}', ' ', 'g'))
$$;

UPDATE "User" SET "name" = COALESCE(NULLIF("tandem_one_line"("name"), ''), 'Unnamed')
WHERE "name" ~ '[\x01-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]';

UPDATE "Ticket" SET "title" = COALESCE(NULLIF("tandem_one_line"("title"), ''), 'Untitled')
WHERE "title" ~ '[\x01-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]';

UPDATE "CannedReply" SET "title" = COALESCE(NULLIF("tandem_one_line"("title"), ''), 'Untitled')
WHERE "title" ~ '[\x01-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]';

-- A user's view names are unique: a cleaned name that another of their views
-- has (or would have once cleaned), or none at all, is told apart by the
-- start of the view's id.
UPDATE "SavedView" v SET "name" = CASE
    WHEN EXISTS (
      SELECT 1 FROM "SavedView" o
      WHERE o."userId" = v."userId" AND o."id" <> v."id"
        AND "tandem_one_line"(o."name") = "tandem_one_line"(v."name")
    ) OR "tandem_one_line"(v."name") = ''
    THEN left(COALESCE(NULLIF("tandem_one_line"(v."name"), ''), 'View'), 50) || ' (' || left(v."id", 6) || ')'
    ELSE "tandem_one_line"(v."name")
  END
WHERE v."name" ~ '[\x01-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]';

DROP FUNCTION "tandem_one_line"(text);
