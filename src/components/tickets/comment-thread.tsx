import type { AttachmentDTO, CommentDTO, StaffRef } from "../../shared/dto";
import { formatBytes } from "../lib/format";
import { MentionText } from "./mention-text";
import { AUTHOR_BADGES } from "../lib/format";
import { TimeAgo } from "../ui/time-ago";

/** The conversation, oldest first. Internal notes are marked in words, not only colour. */
export function CommentThread({ comments, currentUserId, staff = [] }: { comments: CommentDTO[]; currentUserId: string; staff?: readonly StaffRef[] }) {
  if (comments.length === 0) return <p className="muted empty">No comments yet.</p>;
  return (
    // No aria-label here or on the items: getByLabel("Comment") / ("Internal note")
    // must find only the form controls, and labels match by substring.
    <ol className="thread">
      {comments.map((c) => (
        <li key={c.id} className={c.internal ? "comment comment--internal" : "comment"} data-comment-id={c.id}>
          <article>
            <header className="comment__meta">
              <span className="comment__author">
                {c.author.name}
                {c.author.id === currentUserId && <span className="muted"> (you)</span>}
              </span>
              {AUTHOR_BADGES[c.author.role] && <span className="tag">{AUTHOR_BADGES[c.author.role]}</span>}
              {c.internal && <span className="tag tag--internal">Internal note</span>}
              <TimeAgo iso={c.createdAt} />
            </header>
            <div className="comment__body">
              <MentionText body={c.body} staff={staff} />
            </div>
            {c.attachments && c.attachments.length > 0 && <CommentFiles files={c.attachments} />}
          </article>
        </li>
      ))}
    </ol>
  );
}

/** Files sent with a comment: images as inline previews, the rest as links. */
function CommentFiles({ files }: { files: AttachmentDTO[] }) {
  return (
    <ul className="comment__files" aria-label="Files">
      {files.map((f) =>
        f.contentType.startsWith("image/") ? (
          <li key={f.id} className="comment__file comment__file--image">
            <a href={f.url} target="_blank" rel="noopener">
              {/* eslint-disable-next-line @next/next/no-img-element -- served by our API with its own auth; next/image would proxy it */}
              <img src={f.url} alt={f.originalName} loading="lazy" className="comment__preview" />
            </a>
            <span className="muted small">
              {f.originalName} · {formatBytes(f.size)}
            </span>
          </li>
        ) : (
          <li key={f.id} className="comment__file">
            <a href={f.url} download={f.originalName}>
              {f.originalName}
            </a>{" "}
            <span className="muted small">{formatBytes(f.size)}</span>
          </li>
        ),
      )}
    </ul>
  );
}
