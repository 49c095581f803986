import { handleMakeCall } from "@/lib/click-to-call/endpoint";

export const dynamic = "force-dynamic";

export { handleMakeCall as GET, handleMakeCall as POST };
