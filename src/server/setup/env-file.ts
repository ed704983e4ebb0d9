import fs from "node:fs";

/**
 * The operator's env file (deploy/tandem.env.example), read the way
 * deploy/deploy.sh reads it: KEY=value lines taken literally (no shell
 * expansion, so secrets with `$`, `&` or quotes need no escaping), one pair
 * of surrounding quotes removed, `#` comments and blank lines skipped, an
 * optional leading `export`. Any other line is an error naming it.
 */
export function parseEnvFile(text: string, name = "env file"): Record<string, string> {
  const out: Record<string, string> = {};
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (/^\s*(#|$)/.test(line)) return;
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${name}:${i + 1}: expected KEY=value`);
    const value = m[2]!;
    const quoted = /^"(.*)"$/.exec(value) ?? /^'(.*)'$/.exec(value);
    out[m[1]!] = quoted ? quoted[1]! : value;
  });
  return out;
}

/**
 * Load TANDEM_ENV_FILE, or /etc/tandem/tandem.env when it exists (as
 * deploy.sh does), into `target`: variables already set win. Returns the
 * file read, or null when there was none.
 */
export function loadOperatorEnvFile(target: Record<string, string | undefined> = process.env, fallback = "/etc/tandem/tandem.env"): string | null {
  const given = target.TANDEM_ENV_FILE;
  const file = given || fallback;
  if (!fs.existsSync(file)) {
    if (given) throw new Error(`TANDEM_ENV_FILE=${given} does not exist`);
    return null;
  }
  for (const [k, v] of Object.entries(parseEnvFile(fs.readFileSync(file, "utf8"), file))) if (target[k] === undefined) target[k] = v;
  return file;
}
