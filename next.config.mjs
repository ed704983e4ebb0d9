// JavaScript, not next.config.ts: Next transpiles a TypeScript config with its
// native SWC binding at every start, production included, which loads the
// binding (about 23 MB resident for the life of the process) and costs start
// time. The type annotation keeps the editor's checks.
/** @type {import("next").NextConfig} */
const nextConfig = {
  // These load native/wasm code or are also loaded by server.ts; bundling them
  // would create second copies of process-wide state.
  serverExternalPackages: ["pino", "@electric-sql/pglite", "pglite-prisma-adapter", "@prisma/adapter-pg", "pg", "bcryptjs", "busboy", "@node-rs/argon2", "rate-limiter-flexible", "ioredis"],
  poweredByHeader: false,
  // `npm run dev` is opened as localhost or 127.0.0.1; Next blocks dev
  // resources (HMR) for other origins.
  allowedDevOrigins: ["localhost", "127.0.0.1"],
  // The type check is `npm run typecheck` (tsc over the whole project, tests
  // and scripts too, with the route types a build generates), which .ci/run
  // runs after the build and gates on; the build's own pass over the app was
  // the same work a second time (about 14 of a fresh build's 38 CPU-seconds).
  typescript: { tsconfigPath: "tsconfig.next.json", ignoreBuildErrors: true },
  reactStrictMode: true,
};

export default nextConfig;
