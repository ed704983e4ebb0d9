import { PRIORITY_LABELS, STATUS_LABELS, type TicketPriority, type TicketStatus } from "../../shared/enums";

export function StatusBadge({ status }: { status: TicketStatus }) {
  return (
    <span className="badge badge--status" data-status={status}>
      {STATUS_LABELS[status]}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: TicketPriority }) {
  return (
    <span className="badge badge--priority" data-priority={priority}>
      {PRIORITY_LABELS[priority]}
    </span>
  );
}
