import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { parseEnv } from "./env";

test("defaults give an embedded setup on port 3000", () => {
  const env = parseEnv({ NODE_ENV: "production" });
  assert.equal(env.PORT, 3000);
  assert.equal(env.APP_URL, "http://localhost:3000");
  assert.equal(env.appOrigin, "http://localhost:3000");
  assert.equal(env.embedded, true);
  assert.equal(env.dataDir, path.resolve("./data"));
  assert.equal(env.maxUploadBytes, 10 * 1024 * 1024);
});

test("APP_URL sets the public origin; DATABASE_URL switches to PostgreSQL", () => {
  const env = parseEnv({ NODE_ENV: "production", APP_URL: "https://help.example.com/", DATABASE_URL: "postgresql://u@db/t" });
  assert.equal(env.APP_URL, "https://help.example.com");
  assert.equal(env.appOrigin, "https://help.example.com");
  assert.equal(env.embedded, false);
});

test("blank variables count as unset", () => {
  assert.equal(parseEnv({ NODE_ENV: "production", DATABASE_URL: "", PORT: "" }).embedded, true);
});

test("every invalid variable is reported at once", () => {
  assert.throws(
    () => parseEnv({ NODE_ENV: "production", PORT: "http", DATABASE_URL: "mysql://x", MAX_UPLOAD_MB: "-1" }),
    (e: Error) => /PORT/.test(e.message) && /DATABASE_URL/.test(e.message) && /MAX_UPLOAD_MB/.test(e.message),
  );
});
