/**
 * The DATA_DIR lock: the embedded database allows one process. In a module of
 * its own, with nothing but Node's built-ins, so that prisma.config.ts (which
 * the Prisma CLI loads for `npm run db:migrate`) can take it too.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

/**
 * DATA_DIR itself may be created, but not its parents: a missing parent is
 * usually a volume that is not mounted, and creating it would hide the data
 * on the root filesystem. Every failure names the path and the cause.
 */
function prepareDataDir(dataDir: string) {
  const parent = path.dirname(dataDir);
  if (!fs.existsSync(parent)) {
    throw new Error(`DATA_DIR ${dataDir}: its parent directory ${parent} does not exist. Create it (or mount the volume), or set DATA_DIR to an existing place.`);
  }
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`DATA_DIR ${dataDir} cannot be created (${code}): check the permissions of ${parent}.`);
  }
  if (!fs.statSync(dataDir).isDirectory()) throw new Error(`DATA_DIR ${dataDir} is not a directory.`);
  // access(W_OK) is always true for root and blind to read-only mounts: write for real.
  const probe = path.join(dataDir, `.write-test-${process.pid}`);
  try {
    fs.writeFileSync(probe, "");
    fs.rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOSPC" ? "its disk is full" : code === "EROFS" ? "it is on a read-only filesystem" : "check its owner and permissions";
    throw new Error(`DATA_DIR ${dataDir} is not writable (${code}): ${why}. Tandem stores its database and uploads there.`);
  }
}

/**
 * The address of the lock socket for `dataDir`. On Linux an abstract socket
 * named after the directory's device and inode (no file to go stale, no path
 * length limit, and the same directory reached by two paths is one lock);
 * elsewhere a socket file inside DATA_DIR.
 */
function lockAddress(dataDir: string): string {
  if (process.platform !== "linux") return path.join(dataDir, "tandem.lock.sock");
  const { dev, ino } = fs.statSync(dataDir, { bigint: true });
  return `\0tandem-data-dir-${createHash("sha256").update(`${dev}:${ino}`).digest("hex").slice(0, 32)}`;
}

function listen(server: net.Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(address, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** True when something accepts connections at the socket file `address` (its holder is alive). */
function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(address);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

/**
 * Lock DATA_DIR for this process: the embedded database allows one opener.
 *
 * The lock is a listening Unix socket, which the kernel frees the moment its
 * holder exits however it exits (kill -9, crash, power loss), even while the
 * dead process is still a zombie; a PID file is not a lock (`kill(pid, 0)`
 * succeeds for zombies and for unrelated processes that reused the PID).
 * No maintained npm package offers flock() without a native build, hence
 * this. DATA_DIR/tandem.lock records the holder's PID for the error message
 * only; it decides nothing.
 * @returns a function that releases the lock.
 */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  prepareDataDir(dataDir);
  const pidFile = path.join(dataDir, "tandem.lock");
  const address = lockAddress(dataDir);
  const server = net.createServer((conn) => conn.destroy());
  try {
    await listen(server, address);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE") throw e;
    // A socket file (non-Linux) outlives its holder: take it over if nobody answers.
    if (address.startsWith("\0") || (await answers(address))) {
      let holder = "another process";
      try {
        const pid = Number.parseInt(fs.readFileSync(pidFile, "utf8"), 10);
        if (Number.isInteger(pid)) holder = `process ${pid}`;
      } catch {
        /* no PID recorded yet */
      }
      throw new Error(
        `DATA_DIR ${dataDir} is in use by ${holder}. The embedded database allows one process; ` +
          `stop it, use another DATA_DIR, or set DATABASE_URL to share PostgreSQL between processes.`,
      );
    }
    fs.rmSync(address, { force: true });
    await listen(server, address);
  }
  // The lock must not keep the process alive by itself.
  server.unref();
  fs.writeFileSync(pidFile, String(process.pid));
  return () => {
    server.close();
    try {
      if (fs.readFileSync(pidFile, "utf8") === String(process.pid)) fs.unlinkSync(pidFile);
    } catch {
      /* already gone */
    }
  };
}
