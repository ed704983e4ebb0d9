"use client";

import { useState } from "react";
import { useRealtimeClient } from "../../client/realtime-provider";
import type { ProbeAck, ProbeLeg } from "../../shared/realtime";

type Result = { ack: ProbeAck; totalMs: number | null };

function leg(l: ProbeLeg): string {
  if ("ms" in l) return `${l.ms} ms`;
  if ("disabled" in l) return "not configured";
  return `failed: ${l.error}`;
}

/** The admin's live end-to-end probe (see RealtimeClient.probe). */
export function RealtimeProbe() {
  const client = useRealtimeClient();
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<Result | null>(null);

  async function run() {
    if (!client) return;
    setRunning(true);
    try {
      setResult(await client.probe());
    } finally {
      setRunning(false);
    }
  }

  return (
    <div>
      <button type="button" className="button" onClick={() => void run()} disabled={running || !client}>
        {running ? "Probing…" : "Run probe"}
      </button>
      <div role="status" aria-live="polite" aria-label="Probe result">
        {result &&
          (result.ack.ok ? (
            <dl className="probe">
              <dt>Answered by</dt>
              <dd>pid {result.ack.pid}</dd>
              <dt>Database</dt>
              <dd>{leg(result.ack.legs.database)}</dd>
              <dt>Redis</dt>
              <dd>{leg(result.ack.legs.redis)}</dd>
              <dt>End to end</dt>
              <dd>{result.totalMs === null ? "failed: the echo did not come back within 5 s" : `${result.totalMs} ms`}</dd>
            </dl>
          ) : (
            <p className="error">Probe failed: {result.ack.error.message}</p>
          ))}
      </div>
    </div>
  );
}
