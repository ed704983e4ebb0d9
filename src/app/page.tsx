import { redirect } from "next/navigation";
import { currentUser } from "./_lib/session";

/** `/` has no content of its own: the ticket list, or sign-in first. */
export default async function Home() {
  redirect((await currentUser()) ? "/tickets" : "/login");
}
