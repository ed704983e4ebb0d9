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

test("APP_URL must be an http(s) origin: no scheme, a path, credentials or a query are refused at start", () => {
  for (const bad of ["help.example.com:443", "tandem.local:8080", "ftp://help.example.com", "https://help.example.com/helpdesk", "https://u:p@help.example.com", "https://help.example.com/?x=1", "https://help.example.com/#top", "help.example.com"]) {
    assert.throws(() => parseEnv({ NODE_ENV: "production", APP_URL: bad }), /APP_URL/, bad);
  }
  for (const good of ["https://help.example.com", "https://help.example.com/", "http://127.0.0.1:3000", "https://[::1]:8443"]) {
    assert.doesNotThrow(() => parseEnv({ NODE_ENV: "production", APP_URL: good }), good);
  }
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
