"use client";

import { Link } from "../ui/link";
import { usePathname } from "next/navigation";
import type { Permissions } from "../../shared/permissions";

const LINKS = [
  { href: "/tickets", label: "Tickets", match: (p: string) => p === "/tickets" || /^\/tickets\/(?!new$)[^/]+/.test(p) },
  { href: "/tickets/new", label: "New ticket", match: (p: string) => p === "/tickets/new" },
  { href: "/account", label: "Account", match: (p: string) => p === "/account" },
];

const CANNED = { href: "/canned-replies", label: "Canned replies", match: (p: string) => p === "/canned-replies" };
const REALTIME = { href: "/admin/realtime", label: "Realtime health", match: (p: string) => p === "/admin/realtime" };
const USERS = { href: "/admin/users", label: "Users", match: (p: string) => p === "/admin/users" };
const SETTINGS = { href: "/admin/settings", label: "Settings", match: (p: string) => p === "/admin/settings" };
const AUDIT = { href: "/admin/audit", label: "Audit log", match: (p: string) => p === "/admin/audit" };
const MAIL = { href: "/admin/mail", label: "Mail", match: (p: string) => p === "/admin/mail" };

/** Primary navigation; marks the current section with aria-current. Admin links follow the user's permissions. */
export function NavLinks({ permissions }: { permissions: Permissions }) {
  const pathname = usePathname() ?? "";
  const links = [
    ...LINKS,
    ...(permissions.useCannedReplies ? [CANNED] : []),
    ...(permissions.manageUsers ? [USERS] : []),
    ...(permissions.manageSettings ? [SETTINGS] : []),
    ...(permissions.readAudit ? [AUDIT] : []),
    ...(permissions.inspectMail ? [MAIL] : []),
    ...(permissions.inspectRealtime ? [REALTIME] : []),
  ];
  return (
    <nav aria-label="Main" className="site-nav">
      <ul>
        {links.map((link) => (
          <li key={link.href}>
            <Link href={link.href} aria-current={link.match(pathname) ? "page" : undefined}>
              {link.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
