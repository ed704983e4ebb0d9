/**
 * What a user may do, as the UI needs to know it. Computed by the server's
 * policy (`permissionsOf` in src/server/policy.ts) and passed to components,
 * which show controls from it and never look at roles themselves. The server
 * checks every action again regardless.
 */
export type Permissions = {
  /** Every ticket, the staff list views and filters. */
  seeAllTickets: boolean;
  /** Status, priority and assignee. */
  changeWorkflow: boolean;
  /** Read and write internal notes. */
  writeInternal: boolean;
  /** The admin user pages (list, create, edit, passwords, invites). */
  manageUsers: boolean;
  /** The admin settings page (self sign-up, requester priorities). */
  manageSettings: boolean;
  /** The admin audit log. */
  readAudit: boolean;
  /** Close and reopen one's own tickets (shown on tickets the user requested). */
  closeOwnTickets: boolean;
  /** The admin realtime health page and its probe. */
  inspectRealtime: boolean;
  /** The admin mail page: what is queued, what failed, and sending a failed mail again. */
  inspectMail: boolean;
  /** Canned replies: the picker in the reply box, the page, one's own personal replies. */
  useCannedReplies: boolean;
  /** Create, edit and delete shared canned replies. */
  manageSharedCannedReplies: boolean;
  /** See, add and remove tickets' tags and filter by them. */
  tagTickets: boolean;
};

/** What a role allows, as the admin users page explains a role change (`roleEffectsOf` in the policy). */
export type RoleEffects = {
  seeAllTickets: boolean;
  readInternal: boolean;
  /** Users, settings, audit log. */
  administer: boolean;
  /** May be assigned tickets (an active user's open tickets are unassigned when this goes). */
  assignable: boolean;
};
