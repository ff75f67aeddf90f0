-- Stored cards as json rather than jsonb: written once by COPY and read back whole, never queried
-- inside, so PostgreSQL keeps the text as sent instead of parsing it into jsonb and rendering it
-- again on every export (docs/decisions/0033-stored-cards-as-json.md).
ALTER TABLE "recommendation_results" DROP CONSTRAINT "recommendation_results_shape_valid";--> statement-breakpoint
ALTER TABLE "recommendation_results" ALTER COLUMN "recommendations" SET DATA TYPE json USING "recommendations"::json;--> statement-breakpoint
ALTER TABLE "recommendation_results" ADD CONSTRAINT "recommendation_results_shape_valid" CHECK (("recommendation_results"."status" = 'scored' and json_typeof("recommendation_results"."recommendations") = 'array' and json_array_length("recommendation_results"."recommendations") <= 10)
          or ("recommendation_results"."status" = 'failed' and "recommendation_results"."reason" is not null));