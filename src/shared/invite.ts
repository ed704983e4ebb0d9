/**
 * How an invite link reached its person, as the API answers it and the admin
 * page shows it. With mail on, the link is mailed to the user and never
 * returned: the mailbox is the channel, so the admin (or anything logging the
 * response) never holds a credential for someone else's account. With mail
 * off, the admin gets the link to pass on.
 */
export type InviteIssued =
  | { delivery: "mail"; sentTo: string; expiresAt: string }
  | { delivery: "link"; url: string; expiresAt: string };
