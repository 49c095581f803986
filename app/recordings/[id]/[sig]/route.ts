import { streamRecording } from "@/lib/recordings";
import { guardRoute } from "@/lib/http/route-guard";
import { measured } from "@/lib/metrics";

export const dynamic = "force-dynamic";

export const GET = measured(
  "/recordings/[id]/[sig]",
  guardRoute(async (request: Request, { params }: { params: Promise<{ id: string; sig: string }> }) => {
    const { id, sig } = await params;
    return streamRecording(id, sig, request.headers.get("range"));
  }),
);
