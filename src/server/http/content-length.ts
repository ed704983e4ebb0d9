import type http from "node:http";

/**
 * Private response header through which a route handler declares its body's
 * exact length. Next's sendResponse drops a `Content-Length` set on a route
 * handler's Response and streams it chunked (FORBIDDEN_HEADERS in
 * next/dist/server/send-response.js), so a client could not tell a download
 * cut short from a complete one. server.ts turns this header back into a real
 * Content-Length just before the status line is written.
 */
export const DECLARED_LENGTH_HEADER = "x-tandem-content-length";

/**
 * Make `res` send a route handler's declared length as `Content-Length`.
 * Skipped when the body is being compressed (then the length on the wire is
 * unknown and chunked framing is right).
 */
export function keepDeclaredLength(res: http.ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
    const declared = res.getHeader(DECLARED_LENGTH_HEADER);
    if (declared !== undefined) {
      res.removeHeader(DECLARED_LENGTH_HEADER);
      const length = Number(declared);
      if (Number.isSafeInteger(length) && length >= 0 && !res.getHeader("content-encoding") && !res.headersSent) {
        res.removeHeader("transfer-encoding");
        res.setHeader("Content-Length", String(length));
      }
    }
    return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, args);
  } as typeof res.writeHead;
}
