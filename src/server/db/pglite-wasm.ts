/**
 * PGlite's WebAssembly module with a buffer cache sized for Tandem.
 *
 * PGlite 0.3 starts PostgreSQL with settings compiled into pglite.wasm (the
 * `-c` list `WASM_PGOPTS` of electric-sql/postgres-pglite's wasm_common.h)
 * and reads no postgresql.conf: `SHOW max_connections` is 100 whatever the
 * file in DATA_DIR says, and no PGlite option reaches these settings (0.4
 * adds `startParams`, along with breaking changes). One of them is
 * `shared_buffers=128MB`, which PostgreSQL allocates at start-up inside
 * PGlite's WebAssembly memory and Emscripten zero-fills, so every process
 * holds 128 MB of resident memory for a buffer cache larger than most
 * help desks' whole database (the seeded one is under 30 MB), and
 * WebAssembly memory never shrinks. Pages not in the cache are read from
 * the kernel's page cache, a copy away.
 *
 * The setting is a NUL-terminated string in the module's data segment; this
 * rewrites it, same length and NUL-padded, before compiling the module that
 * PGlite would otherwise compile itself. Measured on a seeded database:
 * WebAssembly memory after start-up 174 MB → 35 MB. Nothing else in the
 * module changes. The patch must match exactly once, or this throws rather
 * than run an unknown build (the version is pinned; the test beside this file
 * checks the running setting). Deliberately free of `server-only`: the
 * migration CLI opens PGlite too.
 */
import fs from "node:fs";
import path from "node:path";
// Before PGlite compiles: also for scripts that open the database without server.ts (npm run user).
import "../wasm-tiering";

/** The buffer cache Tandem's PostgreSQL gets instead of 128MB. Must fit in 5 characters. */
export const PGLITE_SHARED_BUFFERS = "16MB";

const COMPILED_IN = "shared_buffers=128MB";

let compiled: Promise<WebAssembly.Module> | undefined;

/** pglite.wasm's bytes with `shared_buffers` set to PGLITE_SHARED_BUFFERS. */
export function patchedPgliteWasm(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const from = Buffer.from(`\0${COMPILED_IN}\0`);
  const setting = `shared_buffers=${PGLITE_SHARED_BUFFERS}`;
  if (setting.length > COMPILED_IN.length) throw new Error(`PGLITE_SHARED_BUFFERS ${PGLITE_SHARED_BUFFERS} is longer than the compiled-in value`);
  const to = Buffer.concat([Buffer.from(`\0${setting}`), Buffer.alloc(COMPILED_IN.length - setting.length + 1)]);
  // A copy in a plain ArrayBuffer, which WebAssembly.compile takes.
  const out = Buffer.from(new Uint8Array(bytes));
  const at = out.indexOf(from);
  if (at < 0 || out.indexOf(from, at + 1) >= 0) {
    throw new Error(`pglite.wasm does not contain "${COMPILED_IN}" exactly once: this PGlite build differs from 0.3.16; review src/server/db/pglite-wasm.ts`);
  }
  to.copy(out, at);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * The compiled module, once per process (PGlite itself also keeps the one
 * module it compiled for every later instance).
 */
export function pgliteWasmModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const file = path.join(path.dirname(require.resolve("@electric-sql/pglite")), "pglite.wasm");
    return WebAssembly.compile(patchedPgliteWasm(await fs.promises.readFile(file)));
  })();
  return compiled;
}
