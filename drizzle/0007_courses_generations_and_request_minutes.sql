CREATE TABLE "course_generations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "course_generations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"course_id" integer NOT NULL,
	"kind" text DEFAULT 'course' NOT NULL,
	"target_id" integer,
	"generator" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"spec" jsonb NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"outline" jsonb,
	"total_modules" integer NOT NULL,
	"completed_modules" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"failure_reason" text,
	"created_by" text,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp(3) with time zone,
	"heartbeat_at" timestamp(3) with time zone,
	"finished_at" timestamp(3) with time zone,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "course_generations_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "course_generations_status_valid" CHECK ("course_generations"."status" in ('queued', 'running', 'completed', 'failed')),
	CONSTRAINT "course_generations_kind_valid" CHECK ("course_generations"."kind" in ('course', 'module', 'lesson')),
	CONSTRAINT "course_generations_generator_valid" CHECK ("course_generations"."generator" in ('builtin', 'http')),
	CONSTRAINT "course_generations_progress_valid" CHECK ("course_generations"."completed_modules" between 0 and "course_generations"."total_modules")
);
--> statement-breakpoint
CREATE TABLE "course_lessons" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "course_lessons_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"course_id" integer NOT NULL,
	"module_id" integer NOT NULL,
	"position" integer NOT NULL,
	"title" text NOT NULL,
	"objectives" text[] DEFAULT '{}'::text[] NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"estimated_minutes" integer DEFAULT 0 NOT NULL,
	"level" text,
	"prerequisites" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "course_lessons_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "course_lessons_title_not_blank" CHECK (length(trim("course_lessons"."title")) > 0),
	CONSTRAINT "course_lessons_position_positive" CHECK ("course_lessons"."position" > 0),
	CONSTRAINT "course_lessons_body_size" CHECK (length("course_lessons"."body") <= 200000),
	CONSTRAINT "course_lessons_minutes_range" CHECK ("course_lessons"."estimated_minutes" between 0 and 10000),
	CONSTRAINT "course_lessons_level_valid" CHECK ("course_lessons"."level" is null or "course_lessons"."level" in ('beginner', 'intermediate', 'advanced'))
);
--> statement-breakpoint
CREATE TABLE "course_modules" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "course_modules_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"course_id" integer NOT NULL,
	"position" integer NOT NULL,
	"title" text NOT NULL,
	"summary" text,
	"objectives" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "course_modules_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "course_modules_title_not_blank" CHECK (length(trim("course_modules"."title")) > 0),
	CONSTRAINT "course_modules_position_positive" CHECK ("course_modules"."position" > 0)
);
--> statement-breakpoint
CREATE TABLE "courses" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "courses_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"organization_id" integer NOT NULL,
	"title" text NOT NULL,
	"summary" text,
	"topic" text,
	"audience" text,
	"level" text DEFAULT 'beginner' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"authors" text[] DEFAULT '{}'::text[] NOT NULL,
	"declared_minutes" integer,
	"published_at" timestamp(3) with time zone,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "courses_organization_id_id_key" UNIQUE("organization_id","id"),
	CONSTRAINT "courses_title_not_blank" CHECK (length(trim("courses"."title")) > 0),
	CONSTRAINT "courses_status_valid" CHECK ("courses"."status" in ('draft', 'review', 'published', 'archived')),
	CONSTRAINT "courses_level_valid" CHECK ("courses"."level" in ('beginner', 'intermediate', 'advanced')),
	CONSTRAINT "courses_declared_minutes_range" CHECK ("courses"."declared_minutes" is null or "courses"."declared_minutes" between 0 and 1000000)
);
--> statement-breakpoint
CREATE TABLE "request_minutes" (
	"minute" timestamp(3) with time zone NOT NULL,
	"server_id" text NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"latency_sum_ms" integer DEFAULT 0 NOT NULL,
	"latency_buckets" integer[] NOT NULL,
	"peak_concurrency" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "request_minutes_minute_server_key" UNIQUE("minute","server_id")
);
--> statement-breakpoint
ALTER TABLE "course_generations" ADD CONSTRAINT "course_generations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_generations" ADD CONSTRAINT "course_generations_course_fkey" FOREIGN KEY ("organization_id","course_id") REFERENCES "public"."courses"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_lessons" ADD CONSTRAINT "course_lessons_course_fkey" FOREIGN KEY ("organization_id","course_id") REFERENCES "public"."courses"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_lessons" ADD CONSTRAINT "course_lessons_module_fkey" FOREIGN KEY ("organization_id","module_id") REFERENCES "public"."course_modules"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "course_modules" ADD CONSTRAINT "course_modules_course_fkey" FOREIGN KEY ("organization_id","course_id") REFERENCES "public"."courses"("organization_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "courses" ADD CONSTRAINT "courses_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "course_generations_organization_idx" ON "course_generations" USING btree ("organization_id","id");--> statement-breakpoint
CREATE INDEX "course_generations_status_idx" ON "course_generations" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "course_lessons_module_position_idx" ON "course_lessons" USING btree ("module_id","position","id");--> statement-breakpoint
CREATE INDEX "course_lessons_course_idx" ON "course_lessons" USING btree ("course_id");--> statement-breakpoint
CREATE INDEX "course_modules_course_position_idx" ON "course_modules" USING btree ("course_id","position","id");--> statement-breakpoint
CREATE INDEX "courses_organization_updated_idx" ON "courses" USING btree ("organization_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "courses_organization_status_updated_idx" ON "courses" USING btree ("organization_id","status","updated_at","id");