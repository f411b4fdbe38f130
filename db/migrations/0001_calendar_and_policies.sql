CREATE TABLE "calendar_days" (
	"date" date PRIMARY KEY NOT NULL,
	"year" integer NOT NULL,
	"working" boolean NOT NULL,
	"kind" text NOT NULL,
	"holiday_name" text,
	"source_notice" text NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "calendar_imports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"year" integer NOT NULL,
	"source_notice" text NOT NULL,
	"changed_dates" jsonb NOT NULL,
	"newly_published" boolean NOT NULL,
	"imported_by" text NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retimed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "calendar_years" (
	"year" integer PRIMARY KEY NOT NULL,
	"source_notice" text NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	"imported_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deadline_policies" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"unit" text NOT NULL,
	"claim_window" integer NOT NULL,
	"feedback_window" integer NOT NULL,
	"statutory_limit" integer,
	"commitment_period" integer,
	"rectification_period" integer NOT NULL,
	"office_time" text DEFAULT '09:00' NOT NULL,
	"claim_ladder" jsonb NOT NULL,
	"feedback_ladder" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "approval_items" ADD COLUMN "deadline_policy" text;--> statement-breakpoint
CREATE INDEX "calendar_days_year_idx" ON "calendar_days" USING btree ("year");