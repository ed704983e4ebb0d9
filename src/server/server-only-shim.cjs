// `server-only` throws when imported outside Next's react-server bundles. The
// custom server (server.ts), the scripts and the unit tests are plain Node
// processes that never ship to a browser, so there the guard is satisfied by
// an empty module; Next's own bundles still resolve the real one.
const resolved = require.resolve("server-only");
require.cache[resolved] = { id: resolved, filename: resolved, loaded: true, exports: {} };
