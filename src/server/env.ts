/**
 * The process environment, read and validated once. Nothing else reads
 * process.env (except prisma.config.ts, which the Prisma CLI loads on its own).
 * Deliberately free of `server-only` so server.ts can load it before Next.
 */
import path from "node:path";
import { z } from "zod";

const ZEnv = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  /** Public origin the browser sees (scheme://host[:port]); defaults to http://localhost:PORT. */
  APP_URL: z
    .string()
    .refine((v) => {
      // Only an origin: "help.example.com:443" parses as a URL whose scheme is
      // "help.example.com" and whose origin is "null", and every origin check
      // (sign-in, sockets) then refused everything while /api/health said 200.
      try {
        const u = new URL(v);
        return (u.protocol === "http:" || u.protocol === "https:") && u.username === "" && u.password === "" && u.pathname === "/" && u.search === "" && u.hash === "";
      } catch {
        return false;
      }
    }, "APP_URL must be the origin browsers use, http(s)://host[:port] with no path (Tandem is served at the root of its host)")
    .optional(),
  DATA_DIR: z.string().default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// or postgresql:// URL")
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "REDIS_URL must be a redis:// or rediss:// URL").optional(),
  NEXTAUTH_SECRET: z.string().min(16, "NEXTAUTH_SECRET must be at least 16 characters").optional(),
  MAX_UPLOAD_MB: z.coerce.number().positive().max(1024).default(10),
  DEMO_PASSWORD: z.string().min(8, "DEMO_PASSWORD must be at least 8 characters").optional(),
  /** How often open sockets re-check that their user still exists and is active. */
  SESSION_RECHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Client events one socket may send per 10 s window before being refused. */
  SOCKET_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Bearer token that unlocks /api/ready's details for requests not from this host. */
  READY_TOKEN: z.string().min(16, "READY_TOKEN must be at least 16 characters").optional(),
  /** Addresses (IPs or CIDRs, comma-separated) of proxies whose X-Forwarded-For is trusted. */
  TRUSTED_PROXIES: z.string().default("127.0.0.1,::1"),
  /** Failed sign-ins in a row for one email from one address before it is blocked (block grows 1, 2, 4… min). */
  SIGNIN_MAX_CONSECUTIVE_FAILS: z.coerce.number().int().min(1).max(10_000).default(5),
  /** Failed sign-ins from one address per day before the address is blocked for a day. */
  SIGNIN_MAX_FAILS_PER_IP_DAY: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Self sign-ups (accounts created at /signup) one client address may make per hour. */
  SIGNUP_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  /** Concurrent sockets one user may hold on one process. */
  SOCKET_MAX_PER_USER: z.coerce.number().int().min(1).max(100_000).default(50),
  /** Concurrent sockets one client address may hold on one process. */
  SOCKET_MAX_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(300),
  /** Client events one user may send per 10 s window, across all of their sockets on one process. */
  SOCKET_USER_EVENT_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(300),
  /** Ticket rooms one socket may be in at once. */
  SOCKET_MAX_ROOMS: z.coerce.number().int().min(1).max(10_000).default(50),
  /**
   * How long a viewer outlives the last refresh by its process (each process
   * refreshes its sockets' entries every third of this): after a kill -9,
   * that process's viewers vanish within this plus a 3 s tick. Liveness is
   * the socket, not client timers, so background tabs never flap.
   */
  PRESENCE_TTL_SECONDS: z.coerce.number().int().min(3).max(600).default(30),
  /** Tickets one user may open per hour. */
  TICKET_CREATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** Comments one user may post per minute. */
  COMMENT_CREATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** Files one user may upload per hour. */
  UPLOAD_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /** Bytes (in MB) one user may upload per 24 hours. */
  UPLOAD_QUOTA_MB: z.coerce.number().positive().max(1_000_000).default(500),
  /** Longest a ticket list or search query may run on the database. */
  LIST_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(5000),
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Bearer token that unlocks GET /metrics for scrapers not on the app's host (16+ characters). */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** The event stream's processors look for missed events this often (a commit wakes them at once; see src/server/engine). */
  ENGINE_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Outbound SMTP server (smtp://user:pass@host:587, smtps:// for 465); mail is off while unset. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, "SMTP_URL must be an smtp:// or smtps:// URL").optional(),
  /** The From of every mail, e.g. `Tandem Support <support@example.com>`; defaults to tandem@ APP_URL's host. */
  MAIL_FROM: z.string().min(3).max(320).optional(),
  /** How long a mail waits for the user to read its event in the app (then it is skipped); 0 sends at once. */
  MAIL_DELAY_SECONDS: z.coerce.number().int().min(0).max(7 * 24 * 3600).default(120),
  /** Tries per mail before it is marked failed (a 5xx refusal fails it at once). */
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  /** Wait before the first retry of a failed send; doubled after each failure, at most an hour. */
  MAIL_RETRY_SECONDS: z.coerce.number().positive().max(3600).default(30),
  /** Seconds of a quiet event loop, after activity, before the process gives freed memory back to the OS (glibc's malloc_trim; src/server/memory/idle-trim.ts); 0 turns it off. */
  MEMORY_TRIM_IDLE_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
});

export type Env = z.infer<typeof ZEnv> & {
  APP_URL: string;
  appOrigin: string;
  dataDir: string;
  uploadDir: string;
  maxUploadBytes: number;
  embedded: boolean;
  /** APP_URL was configured (not derived from PORT). */
  appUrlConfigured: boolean;
  /** SMTP_URL is set: email notifications are sent. */
  mailEnabled: boolean;
  /** MAIL_FROM, or tandem@ APP_URL's host name. */
  mailFrom: string;
};

function blankToUndefined(source: NodeJS.ProcessEnv) {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(source)) out[k] = v === "" ? undefined : v;
  return out;
}

/** Parse an environment; throws one error listing every invalid variable. */
export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const parsed = ZEnv.safeParse(blankToUndefined(source));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const appUrl = (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    ...e,
    APP_URL: appUrl,
    appOrigin: new URL(appUrl).origin,
    dataDir,
    uploadDir: path.join(dataDir, "uploads"),
    maxUploadBytes: Math.floor(e.MAX_UPLOAD_MB * 1024 * 1024),
    embedded: !e.DATABASE_URL,
    appUrlConfigured: e.APP_URL !== undefined,
    mailEnabled: e.SMTP_URL !== undefined,
    mailFrom: e.MAIL_FROM ?? `Tandem <tandem@${new URL(appUrl).hostname}>`,
  };
}

let cached: Env | undefined;

/** The validated environment of this process. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
