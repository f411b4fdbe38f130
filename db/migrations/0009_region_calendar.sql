CREATE TABLE "region_calendar_days" (
	"region_code" text NOT NULL,
	"date" date NOT NULL,
	"year" integer NOT NULL,
	"kind" text NOT NULL,
	"holiday_name" text,
	"source_notice" text NOT NULL,
	"import_id" bigint NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "region_calendar_days_region_code_date_pk" PRIMARY KEY("region_code","date")
);
--> statement-breakpoint
-- A region's own working days (local holidays, local make-up days) over the national schedule;
-- a task's windows follow its case's region, so tasks carry it (filled from the case).
ALTER TABLE "tasks" ADD COLUMN "region_code" text;--> statement-breakpoint
UPDATE "tasks" SET "region_code" = c."region_code" FROM "cases" c WHERE c."application_no" = "tasks"."application_no";--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "region_code" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_imports" ADD COLUMN "region_code" text;--> statement-breakpoint
ALTER TABLE "region_calendar_days" ADD CONSTRAINT "region_calendar_days_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "region_calendar_days" ADD CONSTRAINT "region_calendar_days_import_id_calendar_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."calendar_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "region_calendar_days_year_idx" ON "region_calendar_days" USING btree ("region_code","year");--> statement-breakpoint
ALTER TABLE "calendar_imports" ADD CONSTRAINT "calendar_imports_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;