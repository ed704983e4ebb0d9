import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { PGlite } from "@electric-sql/pglite";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { emptyPglite } from "../../../tests/helpers/memory-db";
import { migrations, oldTicket } from "../../../tests/helpers/migrations";
import { isOneLine } from "../../shared/schemas/text";
import { PrismaClient } from "../../generated/prisma/client";

// Upgrading a database whose names and titles were stored before they had to
// be one line (prisma/migrations/20261207000000_one_line_names): the rows are
// written with every migration before it applied, then the migration runs.
const MIGRATION = "20261207000000_one_line_names";

let client: PGlite | undefined;
let prisma: PrismaClient | undefined;

after(async () => {
  await prisma?.$disconnect();
  await client?.close();
});

test("upgrading cleans names and titles stored with line breaks, controls or direction overrides, and leaves the rest as they were", async () => {
  client = await emptyPglite();
  const all = migrations();
  const upgrade = all.find((m) => m.name === MIGRATION);
  assert.ok(upgrade);
  for (const m of all.filter((m) => m.name < MIGRATION)) await client.exec(m.sql);
  prisma = new PrismaClient({ adapter: new PrismaPGlite(client) as unknown as SqlMigrationAwareDriverAdapterFactory });

  const user = (name: string, email: string) => prisma!.user.create({ data: { name, email, passwordHash: "x" } });
  const forged = await user("Mallory\nOpen the ticket: https://evil.example/", "m@example.com");
  const reversed = await user("Eve \u202egnp.exe\u202c Smith", "e@example.com");
  const blank = await user("\u202e\u2066", "b@example.com");
  const rtl = await user("שלום עליכם", "s@example.com");
  const plain = await user("Jane  Doe", "j@example.com");
  const ticket = (title: string) => oldTicket(prisma!, title, "", plain.id);
  const tabbed = await ticket("Printer\tjams\r\n\u2028again\u0085");
  const clean = await ticket("VPN drops at 5  pm");
  const canned = await prisma.cannedReply.create({ data: { title: "Refund\u2067 policy\u2069", body: "Line one\nline two" } });
  const view = (name: string) => prisma!.savedView.create({ data: { userId: plain.id, name, filter: {} } });
  const mine = await view("Mine");
  const mineAgain = await view("Mine\u202e");
  const urgent = await view("Urgent\n");
  const empty = await view("\u0007");

  await client.exec(upgrade.sql);

  const names = new Map((await prisma.user.findMany()).map((u) => [u.id, u.name]));
  assert.equal(names.get(forged.id), "Mallory Open the ticket: https://evil.example/");
  assert.equal(names.get(reversed.id), "Eve gnp.exe Smith");
  assert.equal(names.get(blank.id), "Unnamed", "a name of nothing but controls gets one");
  assert.equal(names.get(rtl.id), "שלום עליכם", "right-to-left letters are letters");
  assert.equal(names.get(plain.id), "Jane  Doe", "a clean name is not touched, its spaces included");
  const titles = new Map((await prisma.ticket.findMany({ select: { id: true, title: true } })).map((t) => [t.id, t.title]));
  assert.equal(titles.get(tabbed.id), "Printer jams again");
  assert.equal(titles.get(clean.id), "VPN drops at 5  pm");
  const reply = await prisma.cannedReply.findUniqueOrThrow({ where: { id: canned.id } });
  assert.equal(reply.title, "Refund policy");
  assert.equal(reply.body, "Line one\nline two", "bodies keep their lines");
  const views = new Map((await prisma.savedView.findMany()).map((v) => [v.id, v.name]));
  assert.equal(views.get(mine.id), "Mine");
  assert.equal(views.get(mineAgain.id), `Mine (${mineAgain.id.slice(0, 6)})`, "a clash with another view is told apart");
  assert.equal(views.get(urgent.id), "Urgent");
  assert.equal(views.get(empty.id), `View (${empty.id.slice(0, 6)})`);
  for (const text of [...names.values(), ...titles.values(), reply.title, ...views.values()]) assert.ok(isOneLine(text), JSON.stringify(text));
  // The helper is gone with the migration.
  const [row] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_proc WHERE proname = 'tandem_one_line'`;
  assert.equal(Number(row?.n), 0);
});
