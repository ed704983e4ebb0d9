import fs from "node:fs";
import { startServer, signIn } from "./helpers/server";
const cpuOf = (pid: number) => { const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" "); return (Number(f[11]) + Number(f[12])) / 100; };
async function main() {
  const nodeArgs = (process.env.ARGS ?? "").split(" ").filter(Boolean);
  const rows: string[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await startServer({ nodeArgs });
    const pid = s.proc.pid!;
    const a = cpuOf(pid);
    // a little PGlite-heavy work: sign in, create 30 tickets with a comment each
    const cookie = await signIn(s.url, "alice@example.com");
    for (let k = 0; k < 30; k++) {
      const r = await fetch(s.url + "/api/tickets", { method: "POST", headers: { cookie, "content-type": "application/json", origin: s.url }, body: JSON.stringify({ title: "t" + k, description: "d", priority: "MEDIUM" }) });
      if (r.status !== 201) throw new Error(String(r.status) + await r.text());
      const t = await r.json() as { id: string };
      const c = await fetch(s.url + `/api/tickets/${t.id}/comments`, { method: "POST", headers: { cookie, "content-type": "application/json", origin: s.url }, body: JSON.stringify({ body: "hello" }) });
      if (c.status !== 201) throw new Error(String(c.status));
    }
    const b = cpuOf(pid);
    await s.stop();
    rows.push(`${(process.env.ARGS || "plain").padEnd(28)} ready ${a.toFixed(2)}  +work ${(b - a).toFixed(2)}`);
  }
  console.log(rows.join("\n"));
}
main();
