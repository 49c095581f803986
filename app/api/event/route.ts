import { handleDialplanEvent } from "@/lib/dialplan/event-endpoint";

export const dynamic = "force-dynamic";

export { handleDialplanEvent as GET, handleDialplanEvent as POST };
