import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([".next/**", "dist/**", "node_modules/**", "src/generated/**", "next-env.d.ts", "data/**", "logs/**"]),
  {
    files: ["**/*.cjs", "ecosystem.config.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Links prefetch on intent, not on sight: every page is a per-user server render (src/components/ui/link.tsx).
      "no-restricted-imports": ["error", { paths: [{ name: "next/link", message: "Use Link from src/components/ui/link.tsx: it prefetches on intent, not on sight." }] }],
    },
  },
  {
    files: ["src/components/ui/link.tsx"],
    rules: { "no-restricted-imports": "off" },
  },
]);
