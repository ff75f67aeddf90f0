CREATE TABLE "batch_events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "batch_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"batch_id" integer NOT NULL,
	"kind" text NOT NULL,
	"from_status" text,
	"to_status" text,
	"from_gross_weight_kg" numeric(12, 3),
	"to_gross_weight_kg" numeric(12, 3),
	"from_net_weight_kg" numeric(12, 3),
	"to_net_weight_kg" numeric(12, 3),
	"changes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" integer,
	"recorded_at" timestamp(3) with time zone DEFAULT clock_timestamp() NOT NULL,
	CONSTRAINT "batch_events_kind_valid" CHECK ("batch_events"."kind" in ('created', 'status_changed', 'weights_corrected', 'details_changed')),
	CONSTRAINT "batch_events_actor_valid" CHECK ("batch_events"."actor_kind" in ('user', 'api_key', 'system') and (("batch_events"."actor_kind" = 'system') = ("batch_events"."actor_id" is null))),
	CONSTRAINT "batch_events_status_change_complete" CHECK ("batch_events"."kind" <> 'status_changed' or ("batch_events"."from_status" is not null and "batch_events"."to_status" is not null))
);
--> statement-breakpoint
CREATE TABLE "fruit_prices" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "fruit_prices_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"fruit_type" text NOT NULL,
	"currency" text NOT NULL,
	"valid_from" date NOT NULL,
	"price_per_kg" numeric(12, 4) NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fruit_prices_fruit_type_valid" CHECK ("fruit_prices"."fruit_type" in ('apple', 'pear', 'citrus', 'stone_fruit', 'kiwifruit', 'avocado', 'grape', 'berry')),
	CONSTRAINT "fruit_prices_currency_format" CHECK ("fruit_prices"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "fruit_prices_price_not_negative" CHECK ("fruit_prices"."price_per_kg" >= 0)
);
--> statement-breakpoint
CREATE TABLE "grower_payments" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "grower_payments_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"grower_id" integer NOT NULL,
	"amount" numeric NOT NULL,
	"currency" text NOT NULL,
	"paid_on" date NOT NULL,
	"reference" text NOT NULL,
	"note" text,
	"recorded_by_kind" text NOT NULL,
	"recorded_by_id" integer,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "grower_payments_amount_positive" CHECK ("grower_payments"."amount" > 0),
	CONSTRAINT "grower_payments_amount_range" CHECK ("grower_payments"."amount" < 1e15 and scale("grower_payments"."amount") <= 4),
	CONSTRAINT "grower_payments_currency_format" CHECK ("grower_payments"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "grower_payments_reference_not_blank" CHECK (length(trim("grower_payments"."reference")) > 0),
	CONSTRAINT "grower_payments_recorder_valid" CHECK ("grower_payments"."recorded_by_kind" in ('user', 'api_key', 'system') and (("grower_payments"."recorded_by_kind" = 'system') = ("grower_payments"."recorded_by_id" is null)))
);
--> statement-breakpoint
CREATE TABLE "materialized_view_refreshes" (
	"view_name" text PRIMARY KEY NOT NULL,
	"refreshed_at" timestamp(3) with time zone NOT NULL,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
-- Before batch_events_batch_fk, which references it.
ALTER TABLE "batches" ADD CONSTRAINT "batches_organization_id_id_key" UNIQUE("organization_id","id");--> statement-breakpoint
ALTER TABLE "batch_events" ADD CONSTRAINT "batch_events_batch_fk" FOREIGN KEY ("organization_id","batch_id") REFERENCES "public"."batches"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fruit_prices" ADD CONSTRAINT "fruit_prices_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grower_payments" ADD CONSTRAINT "grower_payments_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grower_payments" ADD CONSTRAINT "grower_payments_grower_fk" FOREIGN KEY ("organization_id","grower_id") REFERENCES "public"."growers"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "batch_events_batch_recorded_idx" ON "batch_events" USING btree ("organization_id","batch_id","recorded_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "fruit_prices_period_key" ON "fruit_prices" USING btree ("organization_id","currency","fruit_type","valid_from");--> statement-breakpoint
CREATE UNIQUE INDEX "grower_payments_reference_key" ON "grower_payments" USING btree ("organization_id","reference");--> statement-breakpoint
CREATE INDEX "grower_payments_grower_paid_idx" ON "grower_payments" USING btree ("organization_id","grower_id","paid_on","id");--> statement-breakpoint
CREATE INDEX "grower_payments_organization_created_idx" ON "grower_payments" USING btree ("organization_id","created_at","id");