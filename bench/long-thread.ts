/**
 * A ticket with a long conversation in Chromium: N replies (N=1000 by
 * default) posted over HTTP, then the ticket page opened three times as an
 * agent. Prints the server's time to answer the page (median of 8 fetches),
 * the time until the page is usable (connected, reply box focused), the
 * HTML's size, and the script, layout and style time Chromium
 * spends (CDP Performance metrics) while another agent opens the ticket and
 * leaves and one more reply arrives: what re-rendering the view costs.
 *
 * `N=1000 node --require ./src/server/server-only-shim.cjs --import tsx bench/long-thread.ts`
 * (the production build, embedded database or TANDEM_TEST_DB=postgres; needs Chromium like the browser tests)
 */
import { launchChromium, signedInPage } from "../tests/helpers/browser";
import { api, signIn, startServer } from "../tests/helpers/server";
import { createTicket } from "../tests/integration/support";
async function main() {
  const server = await startServer();
  const N = Number(process.env.N ?? 1000);
  try {
    const agent = await signIn(server.url, "agent@example.com");
    const alice = await signIn(server.url, "alice@example.com");
    const t = await createTicket(server.url, alice, { title: "Long thread" });
    const body = "Thanks for the details. We checked the printer logs and the driver version; could you try the steps below and tell us what you see? 1. Restart the spooler. 2. Print a test page.";
    for (let i = 0; i < N; i += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => api(server.url, k % 2 ? agent : alice, "POST", `/api/tickets/${t.id}/comments`, { body: `${body} (${i + k})` })));
    const times: number[] = [];
    for (let r = 0; r < 8; r++) {
      const s = performance.now();
      await (await fetch(`${server.url}/tickets/${t.id}`, { headers: { cookie: agent } })).text();
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    console.log(`${N} comments: the server answers GET /tickets/:id in ${times[4]!.toFixed(0)} ms (median of 8; fastest ${times[0]!.toFixed(0)} ms)`);
    const browser = await launchChromium();
    const { page } = await signedInPage(browser, server.url, "agent@example.com", server.password);
    for (let r = 0; r < 3; r++) {
      const s = performance.now();
      const res = await page.goto(`/tickets/${t.id}`);
      const html = (await res!.text()).length;
      await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
      await page.getByLabel("Comment").click();
      const loaded = performance.now() - s;
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("Performance.enable");
      const metrics = async () => {
        const all = new Map((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
        const get = (name: string) => all.get(name) ?? NaN;
        return { Nodes: get("Nodes"), ScriptDuration: get("ScriptDuration"), LayoutDuration: get("LayoutDuration"), RecalcStyleDuration: get("RecalcStyleDuration") };
      };
      const m0 = await metrics();
      // Another agent opens the ticket and leaves: presence changes re-render the view.
      const other = await signedInPage(browser, server.url, "admin@example.com", server.password);
      await other.page.goto(`/tickets/${t.id}`);
      await page.getByText("Ada").first().waitFor().catch(() => {});
      await api(server.url, alice, "POST", `/api/tickets/${t.id}/comments`, { body: `one more ${r}` });
      await page.getByText(`one more ${r}`).first().waitFor();
      await other.context.close();
      await page.waitForTimeout(1500);
      const m1 = await metrics();
      console.log(`${N} comments: page to usable ${loaded.toFixed(0)} ms, HTML ${(html / 1024).toFixed(0)} KB, DOM nodes ${m1.Nodes}; afterwards (a viewer came and went, one comment) script ${((m1.ScriptDuration - m0.ScriptDuration) * 1000).toFixed(0)} ms, layout ${((m1.LayoutDuration - m0.LayoutDuration) * 1000).toFixed(0)} ms, style ${((m1.RecalcStyleDuration - m0.RecalcStyleDuration) * 1000).toFixed(0)} ms`);
    }
    await browser.close();
  } finally {
    await server.stop();
  }
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
