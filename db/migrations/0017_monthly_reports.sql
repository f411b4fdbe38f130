CREATE TABLE "monthly_reports" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"region_code" text NOT NULL,
	"month" text NOT NULL,
	"report" jsonb NOT NULL,
	"sha256" text NOT NULL,
	"produced_at" timestamp with time zone NOT NULL,
	"notified_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "monthly_reports_region_month_idx" ON "monthly_reports" USING btree ("region_code","month");