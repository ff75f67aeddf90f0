CREATE TABLE "api_keys" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_keys_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"name" text NOT NULL,
	"key_id" text NOT NULL,
	"secret_hash" text NOT NULL,
	"kind" text DEFAULT 'partner' NOT NULL,
	"scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"persisted_only" boolean DEFAULT false NOT NULL,
	"rate_limit_per_minute" integer,
	"expires_at" timestamp(3) with time zone,
	"revoked_at" timestamp(3) with time zone,
	"created_by_user_id" integer,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_kind_valid" CHECK ("api_keys"."kind" in ('partner', 'internal')),
	CONSTRAINT "api_keys_rate_limit_positive" CHECK ("api_keys"."rate_limit_per_minute" is null or "api_keys"."rate_limit_per_minute" > 0)
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "organizations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_slug_format" CHECK ("organizations"."slug" ~ '^[a-z0-9][a-z0-9-]{1,62}$')
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text DEFAULT 'member' NOT NULL,
	"disabled_at" timestamp(3) with time zone,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_role_valid" CHECK ("users"."role" in ('admin', 'member'))
);
--> statement-breakpoint
CREATE TABLE "batches" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "batches_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"code" text NOT NULL,
	"grower_id" integer NOT NULL,
	"packhouse_id" integer NOT NULL,
	"fruit_type" text NOT NULL,
	"harvest_date" date NOT NULL,
	"intake_date" date NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"gross_weight_kg" numeric(12, 3) NOT NULL,
	"net_weight_kg" numeric(12, 3),
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "batches_fruit_type_valid" CHECK ("batches"."fruit_type" in ('apple', 'pear', 'citrus', 'stone_fruit', 'kiwifruit', 'avocado', 'grape', 'berry')),
	CONSTRAINT "batches_status_valid" CHECK ("batches"."status" in ('received', 'graded', 'packed', 'dispatched', 'rejected')),
	CONSTRAINT "batches_gross_weight_positive" CHECK ("batches"."gross_weight_kg" > 0),
	CONSTRAINT "batches_net_weight_range" CHECK ("batches"."net_weight_kg" is null or ("batches"."net_weight_kg" >= 0 and "batches"."net_weight_kg" <= "batches"."gross_weight_kg")),
	CONSTRAINT "batches_intake_after_harvest" CHECK ("batches"."intake_date" >= "batches"."harvest_date"),
	CONSTRAINT "batches_code_not_blank" CHECK (length(trim("batches"."code")) > 0)
);
--> statement-breakpoint
CREATE TABLE "growers" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "growers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"region" text,
	"contact_email" text,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "growers_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "growers_code_not_blank" CHECK (length(trim("growers"."code")) > 0),
	CONSTRAINT "growers_name_not_blank" CHECK (length(trim("growers"."name")) > 0)
);
--> statement-breakpoint
CREATE TABLE "packhouses" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "packhouses_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"name" text NOT NULL,
	"location" text,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "packhouses_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "packhouses_name_not_blank" CHECK (length(trim("packhouses"."name")) > 0)
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_grower_fk" FOREIGN KEY ("organization_id","grower_id") REFERENCES "public"."growers"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_packhouse_fk" FOREIGN KEY ("organization_id","packhouse_id") REFERENCES "public"."packhouses"("organization_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "growers" ADD CONSTRAINT "growers_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packhouses" ADD CONSTRAINT "packhouses_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_id_key" ON "api_keys" USING btree ("key_id");--> statement-breakpoint
CREATE INDEX "api_keys_organization_idx" ON "api_keys" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "organizations_slug_key" ON "organizations" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "users_organization_idx" ON "users" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "batches_organization_code_key" ON "batches" USING btree ("organization_id","code");--> statement-breakpoint
CREATE INDEX "batches_organization_intake_idx" ON "batches" USING btree ("organization_id","intake_date","id");--> statement-breakpoint
CREATE INDEX "batches_grower_intake_idx" ON "batches" USING btree ("organization_id","grower_id","intake_date","id");--> statement-breakpoint
CREATE INDEX "batches_packhouse_intake_idx" ON "batches" USING btree ("organization_id","packhouse_id","intake_date","id");--> statement-breakpoint
CREATE INDEX "batches_status_intake_idx" ON "batches" USING btree ("organization_id","status","intake_date","id");--> statement-breakpoint
CREATE INDEX "batches_fruit_type_intake_idx" ON "batches" USING btree ("organization_id","fruit_type","intake_date","id");--> statement-breakpoint
CREATE UNIQUE INDEX "growers_organization_code_key" ON "growers" USING btree ("organization_id","code");--> statement-breakpoint
CREATE INDEX "growers_organization_name_idx" ON "growers" USING btree ("organization_id","name","id");--> statement-breakpoint
CREATE UNIQUE INDEX "packhouses_organization_name_key" ON "packhouses" USING btree ("organization_id","name");--> statement-breakpoint
CREATE INDEX "packhouses_organization_name_idx" ON "packhouses" USING btree ("organization_id","name","id");