/**
 * `npm run user -- <command>`: user administration for operators, on the
 * embedded database or on PostgreSQL (DATABASE_URL), with the server stopped
 * on the embedded one (it holds the DATA_DIR lock).
 *
 *   create-admin   --email a@b.c --name "Name" [--password …]
 *   reset-password --email a@b.c [--password …]
 *
 * Without --password a password is generated and printed once. The
 * configuration is the server's: the environment, plus TANDEM_ENV_FILE (or
 * /etc/tandem/tandem.env when it exists), read as deploy/deploy.sh reads it,
 * so on a deployed install it finds the deployed database. It says which
 * database it uses before it changes anything.
 */
import "../src/server/server-only-shim.cjs";
import { parseArgs } from "node:util";
import { lockDataDir } from "../src/server/db/open";
import { env as readEnv } from "../src/server/env";
import { loadOperatorEnvFile } from "../src/server/setup/env-file";
import { openMigratedDatabase } from "../src/server/setup/open-migrated-database";
import { PRIVATE_UMASK } from "../src/server/setup/private-data-dir";
import { generatePassword } from "../src/server/setup/secrets";
import { operatorCreateAdmin } from "../src/server/users/operator-create-admin";
import { operatorResetPassword } from "../src/server/users/operator-reset-password";
import { ZCreateUser, ZNewPassword } from "../src/shared/schemas/users";

const USAGE = `Usage:
  npm run user -- create-admin --email a@b.c --name "Name" [--password …]
  npm run user -- reset-password --email a@b.c [--password …]
Without --password a password is generated and printed.`;

class UsageError extends Error {}

/** host[:port]/database of a DATABASE_URL, never its password. */
function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

function parse(argv: string[]) {
  const [command, ...rest] = argv;
  if (command !== "create-admin" && command !== "reset-password") throw new UsageError(command ? `Unknown command: ${command}` : "No command given");
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: { email: { type: "string" }, name: { type: "string" }, password: { type: "string" } }, strict: true }));
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (command === "reset-password" && values.name !== undefined) throw new UsageError("reset-password takes no --name");
  // The same rules as the admin form and the API.
  const checked = ZCreateUser.pick({ email: true, name: true }).partial({ name: true }).safeParse({ email: values.email ?? "", name: values.name });
  if (!checked.success) throw new UsageError(checked.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join("\n"));
  if (command === "create-admin" && checked.data.name === undefined) throw new UsageError("--name is required");
  const generated = values.password === undefined;
  const password = values.password ?? generatePassword();
  const pw = ZNewPassword.safeParse(password);
  if (!pw.success) throw new UsageError(`--password: ${pw.error.issues[0]!.message}`);
  return { command, email: checked.data.email, name: checked.data.name ?? "", password, generated };
}

async function main() {
  const args = parse(process.argv.slice(2));
  process.umask(PRIVATE_UMASK);
  // Without it, an operator on a PostgreSQL install who had not exported
  // DATABASE_URL in their shell got an admin in a new embedded database in
  // ./data, with exit 0, and still nobody could sign in.
  const file = loadOperatorEnvFile();
  const env = readEnv();
  console.log(
    `${file ? `Configuration from ${file}; using` : "Using"} ${env.embedded ? `the embedded database in ${env.dataDir}` : `PostgreSQL at ${describeDatabase(env.DATABASE_URL!)}`}.`,
  );
  let release: () => void = () => undefined;
  if (env.embedded) {
    try {
      release = await lockDataDir(env.dataDir);
    } catch (e) {
      // The embedded database allows one process: this must not run beside the server.
      throw new Error(`${e instanceof Error ? e.message : String(e)}\nStop the Tandem server first, then run this command again.`);
    }
  }
  try {
    const database = await openMigratedDatabase(env);
    try {
      if (args.command === "create-admin") {
        await operatorCreateAdmin(database.prisma, args);
        console.log(`Created admin ${args.email}.`);
      } else {
        const user = await operatorResetPassword(database.prisma, args);
        console.log(`Password of ${args.email} reset; their sessions are signed out.${user.active ? "" : " Note: this account is deactivated and cannot sign in until an admin reactivates it."}`);
      }
      if (args.generated) console.log(`Password: ${args.password}`);
    } finally {
      await database.close();
    }
  } finally {
    release();
  }
}

main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    console.error(`${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
