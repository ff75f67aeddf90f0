CREATE TABLE "persisted_operations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "persisted_operations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"manifest" text NOT NULL,
	"hash" text NOT NULL,
	"document" text NOT NULL,
	"operation_name" text,
	"created_by_user_id" integer,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "persisted_operations_hash_format" CHECK ("persisted_operations"."hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "persisted_operations_manifest_format" CHECK ("persisted_operations"."manifest" ~ '^[a-z0-9][a-z0-9-]{1,62}$')
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "manifest" text;--> statement-breakpoint
ALTER TABLE "persisted_operations" ADD CONSTRAINT "persisted_operations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "persisted_operations" ADD CONSTRAINT "persisted_operations_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "persisted_operations_lookup_key" ON "persisted_operations" USING btree ("organization_id","manifest","hash");--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_manifest_format" CHECK ("api_keys"."manifest" is null or "api_keys"."manifest" ~ '^[a-z0-9][a-z0-9-]{1,62}$');