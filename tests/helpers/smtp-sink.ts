/**
 * An in-process SMTP server for tests (the `smtp-server` package) on
 * 127.0.0.1 and a free port: it keeps every message it accepts, decoded
 * enough to assert on, and can refuse the next few with a 451.
 */
import { SMTPServer } from "smtp-server";

export type SinkMail = {
  from: string;
  to: string[];
  /** Top-level headers, names lower-cased, folded lines joined. */
  headers: Record<string, string>;
  subject: string;
  /** The text/plain part, decoded. */
  text: string;
  /** The text/html part, decoded. */
  html: string;
  raw: string;
};

export type SmtpSink = {
  /** For SMTP_URL. */
  url: string;
  mails: SinkMail[];
  /** Answer the next `n` messages with 451 (a temporary failure, which senders retry). */
  refuseNext(n: number): void;
  /** How many were refused so far. */
  refused(): number;
  /** Answer RCPT TO for these addresses with 550 (no such mailbox: a permanent failure), until changed. */
  refuseRecipients(addresses: string[]): void;
  /** Resolve once `count` accepted mails match, or reject after `ms`. */
  waitFor(predicate: (m: SinkMail) => boolean, count?: number, ms?: number): Promise<SinkMail[]>;
  close(): Promise<void>;
};

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: SinkMail[] = [];
  let toRefuse = 0;
  let refused = 0;
  let noSuchMailbox = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: no certificate to make, nothing to upgrade.
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (noSuchMailbox.has(address.address.toLowerCase())) return callback(Object.assign(new Error("No such user here"), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (toRefuse > 0) {
          toRefuse--;
          refused++;
          const err = Object.assign(new Error("Try again later"), { responseCode: 451 });
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        mails.push({
          ...parseMessage(raw),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refuseNext: (n) => void (toRefuse = n),
    refused: () => refused,
    refuseRecipients: (addresses) => void (noSuchMailbox = new Set(addresses.map((a) => a.toLowerCase()))),
    async waitFor(predicate, count = 1, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = mails.filter(predicate);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`only ${found.length} of ${count} mails within ${ms} ms (${mails.length} in the sink)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers and the text and HTML parts of a message as nodemailer writes them (multipart/alternative). */
function parseMessage(raw: string): Pick<SinkMail, "headers" | "subject" | "text" | "html"> {
  const { headers, body } = splitPart(raw);
  let text = "";
  let html = "";
  const boundary = /boundary="?([^";]+)"?/i.exec(headers["content-type"] ?? "")?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1).map(splitPart) : [{ headers, body }];
  for (const part of parts) {
    const decoded = decode(part.body, part.headers["content-transfer-encoding"] ?? "7bit");
    if ((part.headers["content-type"] ?? "text/plain").startsWith("text/plain")) text = decoded;
    else if (part.headers["content-type"]?.startsWith("text/html")) html = decoded;
  }
  return { headers, subject: decodeWords(headers.subject ?? ""), text, html };
}

function splitPart(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? "" : raw.slice(at).replace(/^\r?\n\r?\n/, "");
  const headers: Record<string, string> = {};
  for (const line of head.replace(/^\r?\n/, "").replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decode(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case "quoted-printable":
      return Buffer.from(
        body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
        "latin1",
      ).toString("utf8");
    case "base64":
      return Buffer.from(body, "base64").toString("utf8");
    default:
      return body;
  }
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=), as nodemailer writes non-ASCII subjects. */
function decodeWords(s: string): string {
  return s
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === "B"
        ? Buffer.from(data, "base64").toString("utf8")
        : Buffer.from(data.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8"),
    );
}
