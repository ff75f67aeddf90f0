-- Indexes for the prune of expired bookkeeping rows (src/modules/leads/retention.ts): the workers
-- delete used Idempotency-Keys after IDEMPOTENCY_KEY_HOURS and applied CRM event ids after
-- CRM_EVENT_RETENTION_DAYS, a batch at a time.
CREATE INDEX "crm_webhook_events_received_idx" ON "crm_webhook_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");