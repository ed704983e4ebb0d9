/**
 * The socket load generators (bench/clients.ts), several child processes so
 * that receiving 10,000 sockets' events is spread over processes the harness
 * can measure. Socket `g` of a run lives in process `g % size`, at that
 * process's index `floor(g / size)`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { ClientCommand, ClientReply } from "../clients";
import { ROOT } from "../../tests/helpers/server";

/** Loopback source addresses the sockets spread over (Linux routes all of 127/8 to lo). */
export const LOCAL_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);

export class Fleet {
  private waiting: ((r: ClientReply) => void)[][];
  /** Each process's CPU seconds, as of its last answer. */
  readonly cpu: number[];

  private constructor(private readonly procs: ChildProcess[]) {
    this.waiting = procs.map(() => []);
    this.cpu = procs.map(() => 0);
    procs.forEach((p, i) =>
      p.on("message", (r: ClientReply) => {
        this.cpu[i] = r.cpu;
        this.waiting[i]!.shift()?.(r);
      }),
    );
  }

  static start(size: number): Fleet {
    const procs = Array.from({ length: size }, () =>
      spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench", "clients.ts")], {
        cwd: ROOT,
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      }),
    );
    return new Fleet(procs);
  }

  get size(): number {
    return this.procs.length;
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid!);
  }

  /** Send one command to process `i`; rejects with the child's error. */
  send(i: number, cmd: ClientCommand): Promise<ClientReply> {
    return new Promise((resolve, reject) => {
      this.waiting[i]!.push((r) => (r.ok ? resolve(r) : reject(new Error(`load generator ${i}: ${r.error}`))));
      this.procs[i]!.send(cmd);
    });
  }

  /** The same or a per-process command to every process. */
  all(cmd: ClientCommand | ((i: number) => ClientCommand)): Promise<ClientReply[]> {
    return Promise.all(this.procs.map((_, i) => this.send(i, typeof cmd === "function" ? cmd(i) : cmd)));
  }

  /** The load generators' CPU seconds so far, together. */
  totalCpu(): number {
    return this.cpu.reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.procs.map(async (p, i) => {
        if (p.exitCode !== null) return;
        const exited = new Promise((r) => p.once("exit", r));
        await this.send(i, { cmd: "close" }).catch(() => undefined);
        const timer = setTimeout(() => p.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
