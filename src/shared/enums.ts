/** Enum values shared by server validation and client forms. Mirrors prisma/schema.prisma. */
export const ROLES = ["REQUESTER", "AGENT", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

export const TICKET_STATUSES = ["OPEN", "IN_PROGRESS", "WAITING", "RESOLVED", "CLOSED"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TICKET_PRIORITIES = ["LOW", "MEDIUM", "HIGH", "URGENT"] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export const STATUS_LABELS: Record<TicketStatus, string> = {
  OPEN: "Open",
  IN_PROGRESS: "In progress",
  WAITING: "Waiting",
  RESOLVED: "Resolved",
  CLOSED: "Closed",
};

export const PRIORITY_LABELS: Record<TicketPriority, string> = {
  LOW: "Low",
  MEDIUM: "Medium",
  HIGH: "High",
  URGENT: "Urgent",
};

/** Staff see every ticket and internal notes. */
export function isStaffRole(role: Role): boolean {
  return role === "AGENT" || role === "ADMIN";
}

/**
 * The one status change a ticket's requester may make: reopen it once closed,
 * close it otherwise (the policy's statusChangeAllowed enforces the same).
 */
export function closeOrReopen(status: TicketStatus): TicketStatus {
  return status === "CLOSED" ? "OPEN" : "CLOSED";
}
