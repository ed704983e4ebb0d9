import type { Metadata, Viewport } from "next";
import { SiteHeader } from "../components/layout/site-header";
import { KeyboardShortcuts } from "../components/layout/keyboard-shortcuts";
import { RealtimeProvider } from "../client/realtime-provider";
import { permissionsOf } from "../server/policy";
import { currentUser } from "./_lib/session";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Tandem", template: "%s · Tandem" },
  description: "Helpdesk with live collaboration",
};

export const viewport: Viewport = {
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#14161a" },
  ],
};

/**
 * Root layout. It reads the session (so every page is rendered per request);
 * the socket exists only for signed-in users. Sign-in and sign-out do full
 * page loads, so this layout and the socket always match the session.
 */
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const user = await currentUser();
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        {/* Keyed by user so a change of session starts a fresh socket. */}
        <RealtimeProvider key={user?.id ?? "signed-out"} enabled={user !== null}>
          <SiteHeader user={user} permissions={user ? permissionsOf(user) : null} />
          <main id="main" className="page" tabIndex={-1}>
            {/* Every form waits for the scripts (components/ui/client-form.tsx): say why nothing can be sent. */}
            <noscript>
              <p className="alert alert--warning">Tandem needs JavaScript: turn it on to sign in, reply or change anything.</p>
            </noscript>
            {children}
          </main>
          {user && <KeyboardShortcuts />}
        </RealtimeProvider>
      </body>
    </html>
  );
}
