DROP INDEX "course_lessons_module_position_idx";--> statement-breakpoint
DROP INDEX "course_modules_course_position_idx";--> statement-breakpoint
DROP INDEX "lead_events_lead_recorded_idx";--> statement-breakpoint
DROP INDEX "workflow_runs_lead_created_idx";--> statement-breakpoint
CREATE INDEX "course_lessons_module_position_idx" ON "course_lessons" USING btree ("module_id","organization_id","position","id");--> statement-breakpoint
CREATE INDEX "course_modules_course_position_idx" ON "course_modules" USING btree ("course_id","organization_id","position","id");--> statement-breakpoint
CREATE INDEX "lead_events_lead_recorded_idx" ON "lead_events" USING btree ("lead_id","organization_id","recorded_at","id");--> statement-breakpoint
CREATE INDEX "workflow_runs_lead_created_idx" ON "workflow_runs" USING btree ("lead_id","organization_id","created_at","id");