"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/tickets", label: "Tickets", match: (p: string) => p === "/tickets" || /^\/tickets\/(?!new$)[^/]+/.test(p) },
  { href: "/tickets/new", label: "New ticket", match: (p: string) => p === "/tickets/new" },
  { href: "/account", label: "Account", match: (p: string) => p === "/account" },
];

/** Primary navigation; marks the current section with aria-current. */
export function NavLinks() {
  const pathname = usePathname() ?? "";
  return (
    <nav aria-label="Main" className="site-nav">
      <ul>
        {LINKS.map((link) => (
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
