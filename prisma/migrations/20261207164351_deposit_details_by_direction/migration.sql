-- Deposit details by direction (issue 14).
--
-- Before: a BUY connection (EUR to BTC) was given a deposit Bitcoin address and a SELL connection
-- (BTC to EUR) a deposit IBAN: the wrong way round. A BUY user pays EUR in, so it needs an IBAN;
-- a SELL user sends BTC, so it needs an address. The value stored was never a deposit account of
-- the right kind, so it is not moved to the other column: it is cleared, on every row that holds
-- one (whatever its status), and a CONNECTED row is marked "depositDetailsPending". SQL cannot
-- ask the deposit provider for the right detail: every start (server and CLI), after the
-- migrations, ConnectionService.replaceDepositDetails does, for each marked row, under its
-- organization's lock, with an audit row, an event and the connection-status callback.
--
-- Stored connection-status callbacks that carried a wrong-kind detail lose that field, so neither
-- a retry nor redeliverWebhook can send it again; those still waiting for an attempt are
-- cancelled (the start-up step sends a new one with the right detail).
--
-- Idempotent: a second run finds no wrong-kind value left.

-- AlterTable
ALTER TABLE "connections" ADD COLUMN     "depositDetailsPending" BOOLEAN NOT NULL DEFAULT false;

UPDATE "connections"
SET "depositAddress" = NULL,
    "depositDetailsPending" = ("status" = 'CONNECTED' AND "depositIban" IS NULL),
    "updatedAt" = now()
WHERE "direction" = 'BUY' AND "depositAddress" IS NOT NULL;

UPDATE "connections"
SET "depositIban" = NULL,
    "depositDetailsPending" = ("status" = 'CONNECTED' AND "depositAddress" IS NULL),
    "updatedAt" = now()
WHERE "direction" = 'SELL' AND "depositIban" IS NOT NULL;

UPDATE "webhook_deliveries"
SET "state" = CASE WHEN "state" = 'PENDING' THEN 'CANCELLED'::"WebhookDeliveryState" ELSE "state" END,
    "nextAttemptAt" = CASE WHEN "state" = 'PENDING' THEN NULL ELSE "nextAttemptAt" END,
    "leaseUntil" = CASE WHEN "state" = 'PENDING' THEN NULL ELSE "leaseUntil" END,
    "payload" = "payload" #- CASE WHEN "payload" #>> '{data,direction}' = 'BUY' THEN '{data,depositAddress}' ELSE '{data,depositIban}' END::text[],
    "updatedAt" = now()
WHERE "type" = 'connection.connection_status'
  AND (("payload" #>> '{data,direction}' = 'BUY' AND "payload" -> 'data' ? 'depositAddress')
    OR ("payload" #>> '{data,direction}' = 'SELL' AND "payload" -> 'data' ? 'depositIban'));
