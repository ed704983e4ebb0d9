/**
 * PGlite's result parsers, cut down to the types Prisma can receive.
 *
 * PGlite 0.3 merges its parser table into a new object for every query
 * (`{ ...this.parsers, ...options.parsers }` in parseResults), and at start-up
 * it adds an array parser for every array type in pg_type: 344 entries on
 * Tandem's database, keyed by OIDs up to ~17,000, which V8 keeps as a
 * dictionary. Copying that costs about 0.1 ms of CPU per query, a tenth of an
 * embedded query's whole cost, 3–4 ms per comment (measured with
 * `bench/comment-cost.ts --cpu-prof`: `parseResults` was the largest
 * JavaScript cost inside PGlite).
 *
 * Prisma reads results only through pglite-prisma-adapter, whose
 * `fieldToColumnType` accepts the built-in scalar types (PGlite's base parsers,
 * `types.parsers`), the array types listed below, and treats every OID from
 * 10000 up (enums, composite types) as text. Every other built-in type makes
 * it throw before it looks at a value. So keeping the base parsers and those
 * arrays' parsers changes no value Prisma can receive; user-defined array
 * types now come back as their text, which is what the adapter expects of
 * them. Deliberately free of `server-only`: the migration CLI opens PGlite too.
 */
import { type PGlite, types } from "@electric-sql/pglite";

/**
 * Array types pglite-prisma-adapter 0.6 maps (its `ArrayColumnType`), plus
 * timestamptz[] (1185; the adapter lists 1116), all built-in OIDs that are
 * fixed in PostgreSQL: bytea, char, int8, int2, int4, text, oid, json,
 * float4, float8, varchar, jsonb, date, timestamp, timestamptz.
 */
export const ADAPTER_ARRAY_OIDS = [1001, 1002, 1016, 1005, 1007, 1009, 1028, 199, 1021, 1022, 1015, 3807, 1182, 1115, 1116, 1185];

/** Replace `client`'s parser table with the part Prisma can receive (see above). */
export function keepAdapterParsers(client: PGlite): PGlite {
  const all = client.parsers;
  const kept: typeof all = { ...types.parsers };
  // The array parsers PGlite made look up their element's parser in `client.parsers` when called: the base ones are kept.
  for (const oid of ADAPTER_ARRAY_OIDS) if (all[oid]) kept[oid] = all[oid];
  client.parsers = kept;
  return client;
}
