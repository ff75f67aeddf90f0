-- Batch history is append-only. The one DELETE allowed is the cascade that follows the deletion of
-- the batch itself (by then the batch row is gone), so an organization can still be removed.
CREATE FUNCTION batch_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = OLD.batch_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'batch_events is append-only: % of event % refused', lower(TG_OP), OLD.id
    USING ERRCODE = 'integrity_constraint_violation', HINT = 'Record a new event that corrects the earlier one.';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER batch_events_append_only BEFORE UPDATE OR DELETE ON batch_events
  FOR EACH ROW EXECUTE FUNCTION batch_events_append_only();
--> statement-breakpoint
-- Intake per grower per day, every status included (a batch rejected later was still delivered).
-- Net weight sums the batches graded so far; received batches have none yet.
CREATE MATERIALIZED VIEW daily_grower_intake AS
SELECT organization_id,
       grower_id,
       intake_date,
       count(*)::int AS batches,
       (count(*) FILTER (WHERE status = 'rejected'))::int AS rejected_batches,
       sum(gross_weight_kg) AS gross_weight_kg,
       coalesce(sum(net_weight_kg), 0.000) AS net_weight_kg
FROM batches
GROUP BY organization_id, grower_id, intake_date
WITH DATA;
--> statement-breakpoint
-- REFRESH … CONCURRENTLY needs a unique index on plain columns; it also serves dailyIntake(grower:).
CREATE UNIQUE INDEX daily_grower_intake_key ON daily_grower_intake (organization_id, grower_id, intake_date);
--> statement-breakpoint
-- dailyIntake(from:, to:) across growers, newest day first.
CREATE INDEX daily_grower_intake_date_idx ON daily_grower_intake (organization_id, intake_date, grower_id);
--> statement-breakpoint
-- The reconciliation values delivered batches of a period: this covering, partial index answers it
-- with an index-only scan (no heap visit) for a month as for a season. Written here because
-- drizzle-kit cannot express INCLUDE. The status list must stay equal to DELIVERED_STATUSES in
-- src/modules/packhouse/reconciliation.ts, or the planner cannot prove the index applies.
CREATE INDEX batches_delivered_intake_idx ON batches (organization_id, intake_date)
  INCLUDE (grower_id, fruit_type, net_weight_kg)
  WHERE status IN ('graded', 'packed', 'dispatched');
--> statement-breakpoint
-- payments(filter: { from, to }) in paid-date order, and the reconciliation's payments of a period:
-- the INCLUDE columns let the reconciliation sum a season of payments from the index alone.
CREATE INDEX grower_payments_organization_paid_idx ON grower_payments (organization_id, paid_on, id)
  INCLUDE (grower_id, currency, amount);
