import type { Socket } from "socket.io-client";
import { HANDSHAKE_RETRY } from "../shared/realtime-handshake";

/** Backoff for refused-but-retryable handshakes: 0.5 s doubling to 15 s, with jitter so tabs do not retry in step. */
export function retryDelayMs(attempt: number, random = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.5 + random() / 2));
}

/**
 * Retry the handshake when the server refused it with HANDSHAKE_RETRY (it
 * could not check the session: database or Redis down). socket.io-client
 * treats every middleware refusal as final, so this calls `connect()` again
 * with backoff until it succeeds, the refusal turns final ("unauthorized"),
 * or the returned function is called. `onRetry` hears each scheduled attempt.
 */
export function retryWhenUnavailable(socket: Socket, onRetry?: (attempt: number, delayMs: number) => void): () => void {
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onError = (err: Error) => {
    if (err.message !== HANDSHAKE_RETRY) return;
    clearTimeout(timer);
    const delay = retryDelayMs(attempt);
    onRetry?.(++attempt, delay);
    timer = setTimeout(() => socket.connect(), delay);
  };
  const onConnect = () => {
    attempt = 0;
    clearTimeout(timer);
  };
  socket.on("connect_error", onError);
  socket.on("connect", onConnect);
  return () => {
    clearTimeout(timer);
    socket.off("connect_error", onError);
    socket.off("connect", onConnect);
  };
}
