-- CreateTable
CREATE TABLE "request_logs" (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "environment" "Environment" NOT NULL,
    "keyId" VARCHAR(8) NOT NULL,
    "operationName" VARCHAR(100),
    "operationType" VARCHAR(12),
    "outcome" VARCHAR(200) NOT NULL,
    "httpStatus" INTEGER NOT NULL,
    "ip" VARCHAR(45),
    "durationMs" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "request_logs_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "request_logs_id_key" ON "request_logs"("id");

-- CreateIndex
CREATE INDEX "request_logs_organizationId_environment_seq_idx" ON "request_logs"("organizationId", "environment", "seq");

-- CreateIndex
CREATE INDEX "request_logs_createdAt_idx" ON "request_logs"("createdAt");

-- AddForeignKey
ALTER TABLE "request_logs" ADD CONSTRAINT "request_logs_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
