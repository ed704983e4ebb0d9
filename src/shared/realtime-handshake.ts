/**
 * connect_error messages of the Socket.IO handshake. "unauthorized" is final
 * (no live session: sign in again); HANDSHAKE_RETRY means the server could not
 * check the session just now (database or Redis down) and the client retries.
 */
export const HANDSHAKE_UNAUTHORIZED = "unauthorized";
/** connect_error message for a handshake that may succeed if retried. */
export const HANDSHAKE_RETRY = "unavailable";
