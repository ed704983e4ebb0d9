import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // These load native/wasm code or are also loaded by server.ts; bundling them
  // would create second copies of process-wide state.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "@prisma/adapter-pg", "pg", "bcryptjs", "busboy"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
