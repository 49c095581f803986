import { streamRecording } from "@/lib/dialplan/recording-stream";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string; sig: string }> }) {
  const { id, sig } = await params;
  return streamRecording(id, sig, request.headers.get("range"));
}
