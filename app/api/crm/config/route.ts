import { handleConfig } from "@/lib/accounts";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export const GET = measured("/api/crm/config", handleConfig);
