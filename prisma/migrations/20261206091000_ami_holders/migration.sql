-- The processes that hold AMI event connections, apart from delivery: the connections are shared
-- out among the ones with a recent heartbeat (docs/ami-events.md).
CREATE TABLE "ami_holders" (
    "id" TEXT NOT NULL,
    "seenAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ami_holders_pkey" PRIMARY KEY ("id")
);
