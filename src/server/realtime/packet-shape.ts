import "server-only";
import type { Event } from "socket.io";

const refused = (code: string, message: string) => ({ ok: false as const, error: { code, message } });

/**
 * Socket middleware that holds every client packet to the contract's shape:
 * an event the server handles, exactly one payload, and the ack (if any)
 * last. Socket.IO hands handlers whatever arguments arrive, so
 * `emit("ticket:join", "", payload, ack)` would otherwise see a non-function
 * in the ack position and never answer, and an unknown event with an ack
 * would leave its caller waiting for good. Both now get an error ack.
 */
export function packetShape(socket: { listeners(event: string): unknown[] }) {
  return (packet: Event, next: (err?: Error) => void) => {
    const [event, ...args] = packet;
    const ack = typeof args.at(-1) === "function" ? (args.pop() as (r: unknown) => void) : undefined;
    if (socket.listeners(event).length === 0) {
      ack?.(refused("NOT_FOUND", `Unknown event ${JSON.stringify(String(event).slice(0, 64))}`));
      return;
    }
    if (args.length !== 1) {
      ack?.(refused("VALIDATION", `${event} takes exactly one payload`));
      return;
    }
    next();
  };
}
