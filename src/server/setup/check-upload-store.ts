/**
 * On PostgreSQL the database lives elsewhere and DATA_DIR holds only the
 * uploaded files, typically on a volume of its own. When that volume is not
 * mounted, DATA_DIR is a missing path or an empty mount point, and a server
 * that created what it needs there would start "fine": every earlier file
 * would answer 404 or 500, and new ones would fill the root disk. So a start
 * whose database lists uploaded files but whose DATA_DIR has no uploads
 * folder is refused, before anything is created there. The folder is the
 * sign: the first upload makes it and nothing but a person removes it.
 * Whoever has really lost the files creates the folder to start without them.
 * Free of `server-only` because server.ts calls it outside Next.
 */
import fs from "node:fs";

/** What the check needs of the database: how many uploaded files it lists. */
export type AttachmentCount = () => Promise<number>;

/**
 * Throws an error naming the path and the way out when the database lists
 * uploaded files and `uploadDir` does not exist. Touches nothing on disk.
 */
export async function checkUploadStore(dataDir: string, uploadDir: string, countAttachments: AttachmentCount): Promise<void> {
  if (fs.existsSync(uploadDir)) return;
  const listed = await countAttachments();
  if (listed === 0) return; // a new installation: its first upload makes the folder
  const where = fs.existsSync(dataDir) ? `DATA_DIR (${dataDir}) has no uploads folder` : `DATA_DIR (${dataDir}) does not exist`;
  throw new Error(
    `${where}, but the database lists ${listed} uploaded file${listed === 1 ? "" : "s"}. ` +
      `Is the volume that holds DATA_DIR mounted, and is DATA_DIR set to it? ` +
      `Nothing was created there. If the files are lost for good, create ${uploadDir} to start without them.`,
  );
}
