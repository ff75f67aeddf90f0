CREATE TABLE "provider_rate_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"next_slot_ms" double precision NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
