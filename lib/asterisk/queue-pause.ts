import { header } from "@/lib/asterisk/ami/message";
import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { accountAmi } from "./account-ami";
import { managerChannel } from "@/lib/asterisk/channel";

/**
 * With «Ставить менеджера на паузу» on, a manager who is not free in the CRM (busy, dinner,
 * break) is paused in every queue over AMI, and unpaused when free again, so nobody rings them
 * at lunch. A PBX that refuses is logged; the CRM's status change is kept either way.
 */
export async function syncQueuePause(accountId: string, crmUserId: number, status: string): Promise<void> {
  const [settings, user] = await Promise.all([
    db().asteriskSettings.findUnique({ where: { accountId } }),
    db().crmUser.findUnique({ where: { accountId_crmUserId: { accountId, crmUserId } } }),
  ]);
  const ami = settings?.pauseQueueWhenAway ? accountAmi(settings) : null;
  if (!settings || !ami || !user?.extension) return;
  try {
    const reply = await ami.send({
      Action: "QueuePause",
      Interface: managerChannel(settings.channelTemplate, user.extension),
      Paused: status === "free" ? "false" : "true",
      Reason: `CRM: ${status}`,
    });
    if (header(reply, "Response") !== "Success")
      log.warn({ accountId, crmUserId, message: header(reply, "Message") }, "QueuePause refused by Asterisk");
  } catch (error) {
    log.warn({ accountId, crmUserId, err: error }, "QueuePause failed");
  }
}
