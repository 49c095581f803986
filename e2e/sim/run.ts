// `npm run sim`: both simulators with demo data, for clicking through the product locally.
import { createAsteriskSim } from "./asterisk";
import { createRetailCrmSim, DEMO, seedDemo } from "./retailcrm";

const crmPort = Number(process.env.SIM_CRM_PORT ?? 7100);
const amiTcpPort = Number(process.env.SIM_AMI_TCP_PORT ?? 15038);
const amiHttpPort = Number(process.env.SIM_AMI_HTTP_PORT ?? 18088);
const amiUser = {
  username: "asterisk",
  secret: "demo-secret",
  read: "call,cdr,reporting",
  write: "originate,reporting,agent",
};

const crm = await createRetailCrmSim({ port: crmPort });
seedDemo(crm);
const asterisk = await createAsteriskSim({ tcpPort: amiTcpPort, httpPort: amiHttpPort, users: [amiUser] });

console.log(`
retailCRM simulator   ${crm.url}/   (API key: ${DEMO.apiKey}; ${DEMO.users.length} users, ${DEMO.customers.length} customers)
Asterisk simulator    AMI over HTTP: 127.0.0.1 port ${asterisk.httpPort} (/asterisk/rawman)
                      AMI over TCP:  127.0.0.1 port ${asterisk.tcpPort}
                      AMI login ${amiUser.username}, password ${amiUser.secret}

Point the service at them (loopback addresses must be allowed):
  ALLOW_PRIVATE_NETWORKS=true npm start

Then open http://localhost:3000/login and sign in with
  «Адрес CRM»        ${crm.url}/
  «API ключ сервиса» ${DEMO.apiKey}
In «Настройки Asterisk» use host 127.0.0.1, port ${asterisk.httpPort} (HTTP) or ${asterisk.tcpPort} (TCP),
login ${amiUser.username}, password ${amiUser.secret}. Suggested extensions: ${Object.entries(DEMO.extensions)
  .map(([id, code]) => `user ${id} → ${code}`)
  .join(", ")}.

Ctrl+C stops both simulators.`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void Promise.all([crm.close(), asterisk.close()]).then(() => process.exit(0));
  });
}
