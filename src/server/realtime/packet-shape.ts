import "server-only";
import type { ErrorInfo } from "../../shared/errors";

/**
 * Holds a client packet to the contract's shape: an event the server
 * handles, exactly one payload, and the ack (if any) last (the caller has
 * already taken the ack off `args`). Socket.IO hands handlers whatever
 * arguments arrive, so `emit("ticket:join", "", payload, ack)` would otherwise
 * see a non-function in the ack position and never answer, and an unknown
 * event with an ack would leave its caller waiting for good. Answers what is
 * wrong, for the error ack, or null when the packet may go to its handler.
 */
export function packetShapeError(event: unknown, args: unknown[], known: (event: unknown) => boolean): ErrorInfo | null {
  if (!known(event)) return { code: "NOT_FOUND", message: `Unknown event ${JSON.stringify(String(event).slice(0, 64))}` };
  if (args.length !== 1) return { code: "VALIDATION", message: `${String(event)} takes exactly one payload` };
  return null;
}
