import { db } from "@/lib/db/client";

/**
 * The call a recording file belongs to, if known: the one MixMonitor wrote it for in a call seen
 * in AMI events, else the call the file's name names. The «API» tab's dialplan names it
 * `<uniqueid>.wav` after the channel that ran the dialplan, the call's key in AMI mode and in the
 * CDR alike, so a call recovered from the CDR, which AMI never showed, finds its recording too
 * (docs/ami-events.md, «Recordings in AMI mode»); a name that is the call's Linkedid counts as well.
 */
export async function callOfRecordingFile(accountId: string, file: string): Promise<string | null> {
  const row = await db().recordingFile.findUnique({ where: { accountId_file: { accountId, file } } });
  if (row) return row.uniqueid;
  const name = /([^/\\]+)\.[A-Za-z0-9]{1,5}$/.exec(file)?.[1];
  if (!name) return null;
  const calls = await db().call.findMany({
    where: { accountId, OR: [{ uniqueid: name }, { linkedid: name }] },
    select: { uniqueid: true },
  });
  return (calls.find((call) => call.uniqueid === name) ?? calls[0])?.uniqueid ?? null;
}
