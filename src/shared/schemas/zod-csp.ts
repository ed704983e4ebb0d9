/**
 * zod 4 probes `Function("")` on first use to decide whether to compile fast
 * parsers. In the browser our Content-Security-Policy forbids eval, so the
 * probe fails (harmlessly) but is reported as a CSP violation on every page;
 * jitless skips the probe. Imported for its effect by every schema module.
 */
import { z } from "zod";

z.config({ jitless: true });
