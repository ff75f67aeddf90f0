CREATE TABLE "card_reward_rates" (
	"organization_id" integer NOT NULL,
	"card_id" integer NOT NULL,
	"category" text NOT NULL,
	"rate_bps" integer NOT NULL,
	"monthly_cap_paise" bigint,
	CONSTRAINT "card_reward_rates_pkey" PRIMARY KEY("card_id","category"),
	CONSTRAINT "card_reward_rates_category_valid" CHECK ("card_reward_rates"."category" in ('online_shopping', 'groceries', 'dining', 'travel', 'fuel', 'utilities', 'other')),
	CONSTRAINT "card_reward_rates_rate_range" CHECK ("card_reward_rates"."rate_bps" between 0 and 10000),
	CONSTRAINT "card_reward_rates_cap_not_negative" CHECK (coalesce("card_reward_rates"."monthly_cap_paise", 0) >= 0)
);
--> statement-breakpoint
CREATE TABLE "cards" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cards_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"issuer" text NOT NULL,
	"annual_fee_paise" bigint DEFAULT 0 NOT NULL,
	"joining_fee_paise" bigint DEFAULT 0 NOT NULL,
	"fee_waiver_spend_paise" bigint,
	"welcome_benefit_paise" bigint DEFAULT 0 NOT NULL,
	"base_rate_bps" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cards_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "cards_organization_code_key" UNIQUE("organization_id","code"),
	CONSTRAINT "cards_code_format" CHECK ("cards"."code" ~ '^[A-Z0-9][A-Z0-9-]{1,63}$'),
	CONSTRAINT "cards_amounts_not_negative" CHECK ("cards"."annual_fee_paise" >= 0 and "cards"."joining_fee_paise" >= 0 and "cards"."welcome_benefit_paise" >= 0 and coalesce("cards"."fee_waiver_spend_paise", 0) >= 0),
	CONSTRAINT "cards_base_rate_range" CHECK ("cards"."base_rate_bps" between 0 and 10000)
);
--> statement-breakpoint
CREATE TABLE "recommendation_job_chunks" (
	"organization_id" integer NOT NULL,
	"job_id" integer NOT NULL,
	"chunk_no" integer NOT NULL,
	"first_seq" integer NOT NULL,
	"last_seq" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp(3) with time zone,
	"finished_at" timestamp(3) with time zone,
	CONSTRAINT "recommendation_job_chunks_pkey" PRIMARY KEY("job_id","chunk_no"),
	CONSTRAINT "recommendation_job_chunks_status_valid" CHECK ("recommendation_job_chunks"."status" in ('pending', 'running', 'done', 'cancelled')),
	CONSTRAINT "recommendation_job_chunks_range_valid" CHECK ("recommendation_job_chunks"."first_seq" >= 1 and "recommendation_job_chunks"."last_seq" >= "recommendation_job_chunks"."first_seq")
);
--> statement-breakpoint
CREATE TABLE "recommendation_job_customers" (
	"organization_id" integer NOT NULL,
	"job_id" integer NOT NULL,
	"seq" integer NOT NULL,
	"line" integer NOT NULL,
	"customer_ref" text NOT NULL,
	"online_shopping_paise" bigint NOT NULL,
	"groceries_paise" bigint NOT NULL,
	"dining_paise" bigint NOT NULL,
	"travel_paise" bigint NOT NULL,
	"fuel_paise" bigint NOT NULL,
	"utilities_paise" bigint NOT NULL,
	"other_paise" bigint NOT NULL,
	"gmv_paise" bigint,
	CONSTRAINT "recommendation_job_customers_pkey" PRIMARY KEY("job_id","seq")
);
--> statement-breakpoint
CREATE TABLE "recommendation_job_input_errors" (
	"organization_id" integer NOT NULL,
	"job_id" integer NOT NULL,
	"line" integer NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "recommendation_job_input_errors_pkey" PRIMARY KEY("job_id","line")
);
--> statement-breakpoint
CREATE TABLE "recommendation_results" (
	"organization_id" integer NOT NULL,
	"job_id" integer NOT NULL,
	"seq" integer NOT NULL,
	"customer_ref" text NOT NULL,
	"status" text NOT NULL,
	"recommendations" jsonb,
	"reason" text,
	"detail" text,
	"attempts" integer NOT NULL,
	"completed_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recommendation_results_pkey" PRIMARY KEY("job_id","seq"),
	CONSTRAINT "recommendation_results_status_valid" CHECK ("recommendation_results"."status" in ('scored', 'failed')),
	CONSTRAINT "recommendation_results_shape_valid" CHECK (("recommendation_results"."status" = 'scored' and jsonb_typeof("recommendation_results"."recommendations") = 'array' and jsonb_array_length("recommendation_results"."recommendations") <= 10)
          or ("recommendation_results"."status" = 'failed' and "recommendation_results"."reason" is not null))
);
--> statement-breakpoint
CREATE TABLE "recommendation_jobs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "recommendation_jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"name" text,
	"source" text NOT NULL,
	"provider" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"total" integer NOT NULL,
	"done_count" integer DEFAULT 0 NOT NULL,
	"failed_count" integer DEFAULT 0 NOT NULL,
	"rejected_rows" integer DEFAULT 0 NOT NULL,
	"base_processed" integer DEFAULT 0 NOT NULL,
	"chunk_size" integer NOT NULL,
	"chunk_count" integer NOT NULL,
	"request_hash" text NOT NULL,
	"created_by" text,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp(3) with time zone,
	"finished_at" timestamp(3) with time zone,
	"cancelled_at" timestamp(3) with time zone,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recommendation_jobs_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "recommendation_jobs_status_valid" CHECK ("recommendation_jobs"."status" in ('queued', 'running', 'completed', 'cancelled')),
	CONSTRAINT "recommendation_jobs_source_valid" CHECK ("recommendation_jobs"."source" in ('inline', 'csv', 'xlsx')),
	CONSTRAINT "recommendation_jobs_provider_valid" CHECK ("recommendation_jobs"."provider" in ('builtin', 'http')),
	CONSTRAINT "recommendation_jobs_counts_valid" CHECK ("recommendation_jobs"."total" > 0 and "recommendation_jobs"."done_count" >= 0 and "recommendation_jobs"."failed_count" >= 0 and "recommendation_jobs"."done_count" + "recommendation_jobs"."failed_count" <= "recommendation_jobs"."total")
);
--> statement-breakpoint
ALTER TABLE "card_reward_rates" ADD CONSTRAINT "card_reward_rates_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "card_reward_rates" ADD CONSTRAINT "card_reward_rates_card_fkey" FOREIGN KEY ("organization_id","card_id") REFERENCES "public"."cards"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cards" ADD CONSTRAINT "cards_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendation_job_chunks" ADD CONSTRAINT "recommendation_job_chunks_job_fkey" FOREIGN KEY ("organization_id","job_id") REFERENCES "public"."recommendation_jobs"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendation_job_customers" ADD CONSTRAINT "recommendation_job_customers_job_fkey" FOREIGN KEY ("organization_id","job_id") REFERENCES "public"."recommendation_jobs"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendation_job_input_errors" ADD CONSTRAINT "recommendation_job_input_errors_job_fkey" FOREIGN KEY ("organization_id","job_id") REFERENCES "public"."recommendation_jobs"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendation_results" ADD CONSTRAINT "recommendation_results_job_fkey" FOREIGN KEY ("organization_id","job_id") REFERENCES "public"."recommendation_jobs"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendation_jobs" ADD CONSTRAINT "recommendation_jobs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cards_organization_code_idx" ON "cards" USING btree ("organization_id","code","id");--> statement-breakpoint
CREATE INDEX "recommendation_jobs_organization_created_idx" ON "recommendation_jobs" USING btree ("organization_id","id");--> statement-breakpoint
CREATE INDEX "recommendation_jobs_dedupe_idx" ON "recommendation_jobs" USING btree ("organization_id","request_hash","created_at");