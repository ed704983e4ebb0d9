import { memo } from "react";
import type { AttachmentDTO, CommentDTO, StaffRef } from "../../shared/dto";
import { formatBytes } from "../lib/format";
import { MentionText } from "./mention-text";
import { AUTHOR_BADGES } from "../lib/format";
import { TimeAgo } from "../ui/time-ago";

/**
 * The conversation, oldest first. Internal notes are marked in words, not only colour.
 *
 * Memoized, and each comment too: the ticket view re-renders whenever someone
 * opens or leaves the ticket, starts typing or changes a field, and the
 * comments (kept by identity in the ticket state) rarely change then. On a
 * thread of 1,000 replies, a viewer coming and going plus one new reply cost
 * 126-218 ms of script in Chromium when every comment re-rendered
 * (bench/long-thread.ts).
 */
export const CommentThread = memo(function CommentThread({ comments, currentUserId, staff = NO_STAFF }: { comments: CommentDTO[]; currentUserId: string; staff?: readonly StaffRef[] }) {
  if (comments.length === 0) return <p className="muted empty">No comments yet.</p>;
  return (
    // No aria-label here or on the items: getByLabel("Comment") / ("Internal note")
    // must find only the form controls, and labels match by substring.
    <ol className="thread">
      {comments.map((c) => (
        <CommentItem key={c.id} comment={c} currentUserId={currentUserId} staff={staff} />
      ))}
    </ol>
  );
});

const NO_STAFF: readonly StaffRef[] = [];

const CommentItem = memo(function CommentItem({ comment: c, currentUserId, staff }: { comment: CommentDTO; currentUserId: string; staff: readonly StaffRef[] }) {
  return (
    <li className={c.internal ? "comment comment--internal" : "comment"} data-comment-id={c.id}>
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
  );
});

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
