import fs from "node:fs";
import { startServer } from "./helpers/server";
async function main() {
  const s = await startServer({ nodeArgs: ["--cpu-prof", "--cpu-prof-dir=/tmp/lg/prof"] });
  const pid = s.proc.pid!;
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    const st = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8");
    const name = st.slice(st.indexOf("(") + 1, st.indexOf(")"));
    const f = st.split(") ")[1]!.split(" ");
    const cpu = (Number(f[11]) + Number(f[12])) / 100;
    if (cpu > 0) console.log(name, cpu);
  }
  await s.stop();
}
main();
