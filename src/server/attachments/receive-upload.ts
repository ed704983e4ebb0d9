import "server-only";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import Busboy from "busboy";
import { isWellFormedText } from "../../shared/schemas/text";
import { env } from "../env";
import { AppError, isAppError } from "../errors";
import { infrastructureError, isDiskFull } from "../failures/classify-failure";
import { servedContentType } from "./served-type";

export type ReceivedUpload = {
  /** Where the bytes are now; addAttachment moves or deletes it. */
  tempPath: string;
  originalName: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the bytes, computed as they streamed in. */
  sha256: string;
};

// Multipart framing around one file is a few hundred bytes; allow generous slack.
const MULTIPART_OVERHEAD = 64 * 1024;

function tooLargeFile() {
  return new AppError("PAYLOAD_TOO_LARGE", `Files are limited to ${env().MAX_UPLOAD_MB} MB`);
}

/** Strip directories and control characters; the name is shown to users, never used as a path. */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  // Cut at 255 code points, not UTF-16 units: slicing through a surrogate
  // pair would leave a lone surrogate, which the event log's jsonb refuses.
  // Control characters (C0, DEL, C1, line separators) and the text-direction
  // overrides and isolates go: "invoice\u202Efdp.exe" showed as "invoiceexe.pdf".
  const cleaned = Array.from(base.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, "").trim())
    .slice(0, 255)
    .join("")
    .trim();
  return cleaned || "file";
}

/**
 * What an upload request's headers alone refuse: not multipart, a declared
 * Content-Length over the limit, no body. Checked before anything is read,
 * and before the upload counts against UPLOAD_LIMIT (upload-attachment.ts):
 * a request refused from its headers changes nothing, not even that count.
 */
export function checkUploadRequest<B>(
  headers: Headers,
  body: B | null,
  quota?: { bytes: number; exceeded: () => AppError },
  store: { maxUploadBytes: number } = env(),
): { contentType: string; maxUploadBytes: number; tooLarge: () => AppError; body: B } {
  const overQuota = quota !== undefined && quota.bytes < store.maxUploadBytes;
  const maxUploadBytes = overQuota ? quota.bytes : store.maxUploadBytes;
  const tooLarge = overQuota ? quota.exceeded : tooLargeFile;
  const contentType = headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the file as multipart/form-data in the field \"file\"");
  }
  const declared = Number(headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxUploadBytes + MULTIPART_OVERHEAD) throw tooLarge();
  if (!body) throw new AppError("VALIDATION", "No file was sent", { file: ["Choose a file to upload"] });
  return { contentType, maxUploadBytes, tooLarge, body };
}

/**
 * Stream the multipart field `file` of a request to a temporary file,
 * enforcing MAX_UPLOAD_MB while the bytes arrive (a declared Content-Length
 * over the limit is refused before reading anything). On any failure the
 * partial file is removed.
 */
export async function receiveUpload(
  headers: Headers,
  body: WebReadableStream<Uint8Array> | null,
  /** A tighter cap than MAX_UPLOAD_MB (what is left of a quota), and the error for crossing it. */
  quota?: { bytes: number; exceeded: () => AppError },
  /** Where uploads go and the size limit; the env's by default (tests pass their own). */
  store: { uploadDir: string; maxUploadBytes: number } = env(),
): Promise<ReceivedUpload> {
  const { uploadDir } = store;
  const { contentType, maxUploadBytes, tooLarge, body: stream } = checkUploadRequest(headers, body, quota, store);

  const tmpDir = path.join(uploadDir, "tmp");
  await fs.promises.mkdir(tmpDir, { recursive: true });
  const tempPath = path.join(tmpDir, randomUUID());

  // Aborting stops reading the request at once: an upload over the limit is
  // refused as soon as it crosses it, not after the client sent it all.
  const abort = new AbortController();
  let failure: AppError | undefined;
  const fail = (e: AppError) => {
    failure ??= e;
    abort.abort(e);
  };

  let busboy: Busboy.Busboy;
  try {
    busboy = Busboy({
      headers: { "content-type": contentType },
      // busboy reports `limit` when a file reaches fileSize, so a file of
      // exactly the limit needs one byte of headroom to be accepted.
      limits: { files: 1, fileSize: maxUploadBytes + 1, fields: 20, fieldSize: 64 * 1024 },
      // Browsers send a multipart filename as raw UTF-8 bytes; busboy's
      // default (latin1) would store "résumé" as "rÃ©sumÃ©".
      defParamCharset: "utf8",
    });
  } catch {
    throw new AppError("VALIDATION", "Malformed multipart body", { file: ["Malformed upload"] });
  }

  let received: Promise<ReceivedUpload> | undefined;
  /** Resolves when the temporary file's stream has closed: after its open, whether it was written or destroyed. */
  let fileClosed: Promise<void> | undefined;
  /** Set when the upload has failed and its cleanup begun: a file part parsed after that is not written. */
  let failed = false;
  busboy.on("file", (field, stream, info) => {
    if (field !== "file" || received || failed) {
      discard(stream);
      return;
    }
    // Invalid UTF-8 bytes decode to U+FFFD, and `filename*=utf-16le''…` can
    // carry an unpaired surrogate (which the event log's jsonb refuses): both
    // are malformed names, refused rather than stored.
    const name = info.filename ?? "";
    if (name.includes("\uFFFD") || !isWellFormedText(name)) {
      discard(stream);
      fail(new AppError("VALIDATION", "The file name is not valid UTF-8", { file: ["The file name is not valid UTF-8"] }));
      return;
    }
    let size = 0;
    const hash = createHash("sha256");
    stream.on("limit", () => fail(tooLarge()));
    // Size and hash come from the very bytes written, in the same pass: what
    // a download is later checked against.
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const file = fs.createWriteStream(tempPath, { flags: "wx" });
    fileClosed = new Promise((resolve) => file.once("close", () => resolve()));
    received = pipeline(stream, counter, file, { signal: abort.signal }).then(() => ({
      tempPath,
      originalName: cleanFileName(name),
      contentType: servedContentType(info.mimeType),
      size,
      sha256: hash.digest("hex"),
    }));
    // A failed write (a full disk) must stop the parse too: busboy would
    // otherwise wait forever for someone to read the rest of this file.
    // This also keeps an early failure from being reported as unhandled.
    received.catch((e: unknown) => {
      if (isDiskFull(e)) fail(infrastructureError(e)!);
      else abort.abort(e);
    });
  });

  try {
    await pipeline(Readable.fromWeb(stream), busboy, { signal: abort.signal });
    if (!received) throw new AppError("VALIDATION", "No file was sent", { file: ["Choose a file to upload"] });
    const upload = await received;
    if (upload.size === 0) throw new AppError("VALIDATION", "The file is empty", { file: ["The file is empty"] });
    return upload;
  } catch (e) {
    failed = true;
    abort.abort();
    // The write stream may still be opening or flushing: wait for it to
    // close (its open creates the file), or the file could appear after we
    // removed it. A CI run's fuzz suite once found a cut-off upload's
    // temporary file left behind for good; bounded, so a stream that never
    // closes cannot hold the request.
    await received?.catch(() => undefined);
    if (fileClosed) await Promise.race([fileClosed, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    await fs.promises.rm(tempPath, { force: true });
    // A full disk is the server's problem, not a malformed upload: say so (507).
    if (isDiskFull(e)) throw infrastructureError(e)!;
    if (failure) throw failure;
    if (isAppError(e)) throw e;
    throw new AppError("VALIDATION", "The upload could not be read", { file: ["Malformed or interrupted upload"] });
  }
}

/**
 * Drain a file part we do not keep. It still errors when the body is cut off
 * or the parse is aborted, and an error without a listener is an uncaught
 * exception (found by tests/security/fuzz.test.ts).
 */
function discard(stream: NodeJS.ReadableStream) {
  stream.on("error", () => undefined);
  stream.resume();
}
