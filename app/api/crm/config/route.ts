import { handleConfig } from "@/lib/accounts/crm-callbacks";

export const dynamic = "force-dynamic";

export const GET = handleConfig;
