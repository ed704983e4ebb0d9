import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { loadOperatorEnvFile, parseEnvFile } from "./env-file";

test("an env file is read as deploy.sh reads it: literal values, one pair of quotes removed, comments skipped", () => {
  const text = ["# comment", "", "APP_URL=https://help.example.com", 'NEXTAUTH_SECRET="a$b&c\'d"', "export REDIS_URL='redis://r:6379'", "  DATA_DIR=/var/lib/tandem\r", "EMPTY="].join("\n");
  assert.deepEqual(parseEnvFile(text), {
    APP_URL: "https://help.example.com",
    NEXTAUTH_SECRET: "a$b&c'd",
    REDIS_URL: "redis://r:6379",
    DATA_DIR: "/var/lib/tandem",
    EMPTY: "",
  });
  assert.throws(() => parseEnvFile("GOOD=1\nnot a line", "x.env"), /x\.env:2: expected KEY=value/);
});

test("TANDEM_ENV_FILE, else the default path when it exists; what is already set wins; a missing named file is an error", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-env-file-"));
  try {
    const file = path.join(dir, "tandem.env");
    fs.writeFileSync(file, "DATABASE_URL=postgresql://u:p@db/tandem\nDATA_DIR=/from/file\n");
    const target: Record<string, string | undefined> = { TANDEM_ENV_FILE: file, DATA_DIR: "/from/shell" };
    assert.equal(loadOperatorEnvFile(target, path.join(dir, "none")), file);
    assert.equal(target.DATABASE_URL, "postgresql://u:p@db/tandem");
    assert.equal(target.DATA_DIR, "/from/shell");
    const byDefault: Record<string, string | undefined> = {};
    assert.equal(loadOperatorEnvFile(byDefault, file), file);
    assert.equal(byDefault.DATA_DIR, "/from/file");
    assert.equal(loadOperatorEnvFile({}, path.join(dir, "none")), null);
    assert.throws(() => loadOperatorEnvFile({ TANDEM_ENV_FILE: path.join(dir, "missing.env") }), /TANDEM_ENV_FILE=.*does not exist/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
