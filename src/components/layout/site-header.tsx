import { Link } from "../ui/link";
import type { SessionUser } from "../../shared/dto";
import type { Permissions } from "../../shared/permissions";
import { ROLE_LABELS } from "../lib/format";
import { ConnectionIndicator } from "../realtime/connection-indicator";
import { NavLinks } from "./nav-links";
import { NotificationCenter } from "./notification-center";
import { SignOutButton } from "./sign-out-button";

/** App header: brand, navigation and, when signed in, the user and live status. */
export function SiteHeader({ user, permissions }: { user: SessionUser | null; permissions: Permissions | null }) {
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link href={user ? "/tickets" : "/login"} className="brand">
          <span className="brand__mark" aria-hidden="true" />
          Tandem
        </Link>
        {user && permissions && <NavLinks permissions={permissions} />}
        {user && (
          <div className="site-header__user">
            <ConnectionIndicator />
            <NotificationCenter />
            <span className="user-chip">
              <span className="user-chip__name">{user.name}</span>{" "}
              <span className="user-chip__role">{ROLE_LABELS[user.role]}</span>
            </span>
            <SignOutButton />
          </div>
        )}
      </div>
    </header>
  );
}
