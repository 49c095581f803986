// A retailCRM simulator with the demo account, connected to the bridge as an admin would:
// the API key checked and the module registered (connectAccount), extensions mapped.
import { mapExtensions } from "../../e2e/setup/factories";
import { createRetailCrmSim, DEMO, seedDemo, type RetailCrmSim } from "../../e2e/sim/retailcrm";
import { connectAccount } from "@/lib/accounts";

export interface BenchAccount {
  id: string;
  clientId: string;
  crm: RetailCrmSim;
}

export async function connectedAccount(): Promise<BenchAccount> {
  const crm = await createRetailCrmSim();
  try {
    seedDemo(crm);
    const account = await connectAccount({ crmUrl: crm.url, apiKey: DEMO.apiKey });
    await mapExtensions(account.id, DEMO.extensions);
    return { id: account.id, clientId: account.clientId, crm };
  } catch (error) {
    await crm.close();
    throw error;
  }
}

/** Requests the CRM received on its telephony API (the 40 requests/s bucket). */
export function telephonyRequests(crm: RetailCrmSim): RetailCrmSim["requests"] {
  return crm.requests.filter((request) => request.path.startsWith("/api/v5/telephony/"));
}
