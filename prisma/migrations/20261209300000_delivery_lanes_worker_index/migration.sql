-- CreateIndex
CREATE INDEX "delivery_lanes_workerId_idx" ON "delivery_lanes"("workerId");
