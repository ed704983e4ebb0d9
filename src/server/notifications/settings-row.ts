import "server-only";
import type { NotificationSettingsDTO } from "../../shared/notifications";

/** The settings table's columns: camelCase, where the API's kinds are snake_case (as the kinds are named). */
type Row = { mention: boolean; assigned: boolean; reply: boolean; newTicket: boolean };

export function settingsFromRow(row: Row): NotificationSettingsDTO {
  return { mention: row.mention, assigned: row.assigned, reply: row.reply, new_ticket: row.newTicket };
}

/** The columns for the switches given (the others left out). */
export function settingsToRow<S extends Partial<NotificationSettingsDTO>>(s: S): S extends NotificationSettingsDTO ? Row : Partial<Row> {
  const row: Partial<Row> = {};
  if (s.mention !== undefined) row.mention = s.mention;
  if (s.assigned !== undefined) row.assigned = s.assigned;
  if (s.reply !== undefined) row.reply = s.reply;
  if (s.new_ticket !== undefined) row.newTicket = s.new_ticket;
  return row as S extends NotificationSettingsDTO ? Row : Partial<Row>;
}
