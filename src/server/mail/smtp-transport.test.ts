import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SMTPServer } from "smtp-server";
import { isInstallationFailure, isPermanentSmtpFailure, smtpTransport } from "./smtp-transport";

// Which failures end a mail for good, read from the errors nodemailer really
// raises against a real (in-process) SMTP server that refuses at each step.
let server: SMTPServer;
let port: number;

before(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.password === "right") return callback(null, { user: auth.username });
      callback(Object.assign(new Error("Authentication failed"), { responseCode: 535 }));
    },
    onMailFrom(address, _session, callback) {
      if (address.address.startsWith("blocked")) return callback(Object.assign(new Error("Sender not allowed"), { responseCode: 553 }));
      if (address.address.startsWith("busy")) return callback(Object.assign(new Error("Try later"), { responseCode: 451 }));
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith("nobody")) return callback(Object.assign(new Error("No such user"), { responseCode: 550 }));
      if (address.address.startsWith("full")) return callback(Object.assign(new Error("Mailbox full"), { responseCode: 452 }));
      callback();
    },
    onData(stream, _session, callback) {
      let text = "";
      stream.on("data", (c: Buffer) => (text += c.toString()));
      stream.on("end", () => (/SPAM/.test(text) ? callback(Object.assign(new Error("Looks like spam"), { responseCode: 554 })) : callback()));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  port = (server.server.address() as { port: number }).port;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function failureOf(url: string, from: string, to: string, text = "Hello"): Promise<unknown> {
  const transport = smtpTransport(url, from);
  try {
    await transport.send({ to: { name: "R", address: to }, subject: "S", text, html: `<p>${text}</p>`, messageId: "<m@test>", headers: {} });
    return null;
  } catch (e) {
    return e;
  } finally {
    transport.close();
  }
}

test("a refused recipient or message fails the mail for good; a refused login, sender, or a 4xx is retried", async () => {
  const plain = `smtp://127.0.0.1:${port}`;
  assert.equal(await failureOf(plain, "app@example.com", "someone@example.com"), null, "the control is accepted");

  const wrongPassword = await failureOf(`smtp://app:wrong@127.0.0.1:${port}`, "app@example.com", "someone@example.com");
  assert.equal((wrongPassword as { responseCode?: number }).responseCode, 535);
  assert.equal(isPermanentSmtpFailure(wrongPassword), false, "a wrong password is the installation's: retried");
  assert.equal(await failureOf(`smtp://app:right@127.0.0.1:${port}`, "app@example.com", "someone@example.com"), null);

  assert.equal(isPermanentSmtpFailure(await failureOf(plain, "blocked@example.com", "someone@example.com")), false, "a refused sender: retried");
  assert.equal(isPermanentSmtpFailure(await failureOf(plain, "busy@example.com", "someone@example.com")), false, "a 4xx: retried");

  const noSuchUser = await failureOf(plain, "app@example.com", "nobody@example.com");
  assert.equal((noSuchUser as { responseCode?: number }).responseCode, 550);
  assert.equal(isPermanentSmtpFailure(noSuchUser), true, "no such mailbox: for good");
  const spam = await failureOf(plain, "app@example.com", "someone@example.com", "SPAM SPAM");
  assert.equal((spam as { responseCode?: number }).responseCode, 554);
  assert.equal(isPermanentSmtpFailure(spam), true, "content refused: for good");

  const unreachable = await failureOf("smtp://127.0.0.1:1", "app@example.com", "someone@example.com");
  assert.ok(unreachable);
  assert.equal(isPermanentSmtpFailure(unreachable), false, "nobody answering: retried");

  // Whose failure it is: the installation's meets every mail, and must not use up their attempts.
  for (const [failure, installation, what] of [
    [wrongPassword, true, "a wrong password"],
    [await failureOf(plain, "blocked@example.com", "someone@example.com"), true, "a refused sender"],
    [await failureOf(plain, "busy@example.com", "someone@example.com"), true, "a 4xx to the sender"],
    [unreachable, true, "nobody answering"],
    [await failureOf(plain, "app@example.com", "full@example.com"), false, "a 4xx to this recipient"],
    [noSuchUser, false, "no such mailbox"],
    [spam, false, "content refused"],
  ] as const) {
    assert.equal(isInstallationFailure(failure), installation, what);
  }
});
