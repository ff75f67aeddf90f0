-- Lead search: words found anywhere in name, e-mail or company. pg_trgm's GIN index serves
-- `search_text like '%word%'` (the generated column of leads), whatever the word's position.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "leads_search_trgm_idx" ON "leads" USING gin ("search_text" gin_trgm_ops);
--> statement-breakpoint
-- Lead history is append-only, like batch history: the database refuses edits and deletes of events
-- (a lead's deletion still cascades to its events).
CREATE OR REPLACE FUNCTION lead_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM leads WHERE id = OLD.lead_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'lead_events is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END $$;
--> statement-breakpoint
CREATE TRIGGER lead_events_append_only BEFORE UPDATE OR DELETE ON lead_events
  FOR EACH ROW EXECUTE FUNCTION lead_events_append_only();
