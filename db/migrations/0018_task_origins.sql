-- Tasks that do not come from an approval (docs/task-origins.md): a task names its origin and
-- the origin's number (the file its trail is kept under); only an approval task has a case.
ALTER TABLE "tasks" ALTER COLUMN "application_no" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "origin" text DEFAULT 'approval' NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "origin_no" text;--> statement-breakpoint
UPDATE "tasks" SET "origin_no" = "application_no";--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "origin_no" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "applicant_name" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "subject" text;--> statement-breakpoint
CREATE INDEX "tasks_origin_idx" ON "tasks" USING btree ("origin","origin_no");--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_origin_case" CHECK (("tasks"."origin" = 'approval') = ("tasks"."application_no" is not null) and ("tasks"."application_no" is null or "tasks"."application_no" = "tasks"."origin_no"));
