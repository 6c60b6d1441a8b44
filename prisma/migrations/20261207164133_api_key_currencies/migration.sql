-- CreateEnum
CREATE TYPE "Currency" AS ENUM ('FIAT', 'CRYPTO');

-- AlterTable: existing keys may move both, as every key could before.
ALTER TABLE "api_keys" ADD COLUMN     "currencies" "Currency"[] NOT NULL DEFAULT ARRAY['FIAT', 'CRYPTO']::"Currency"[];

-- At least one currency (the API refuses an empty list; this keeps other writers to it too).
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_currencies_not_empty" CHECK (cardinality("currencies") > 0);
