import type { CommentDTO, StaffRef } from "../../shared/dto";
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
          </article>
        </li>
      ))}
    </ol>
  );
}
