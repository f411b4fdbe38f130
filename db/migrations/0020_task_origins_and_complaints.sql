-- Tasks that do not come from an approval (docs/task-origins.md): a task names its origin and
-- the origin's number (the file its trail is kept under); only an approval task has a case.
-- Complaints from the 12345 / 12315 hotlines (docs/complaints.md) and their replies.
CREATE TABLE "complaint_replies" (
	"business_key" text PRIMARY KEY NOT NULL,
	"complaint_no" text NOT NULL,
	"source" text NOT NULL,
	"ticket_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text NOT NULL,
	"provider_receipt_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "complaints" (
	"complaint_no" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"ticket_id" text NOT NULL,
	"request_hash" text NOT NULL,
	"region_code" text NOT NULL,
	"credit_code" text,
	"enterprise_name" text NOT NULL,
	"matter" text NOT NULL,
	"item_code" text,
	"complainant_name" text,
	"complainant_phone" text,
	"routed_by" text NOT NULL,
	"department_code" text NOT NULL,
	"division_code" text NOT NULL,
	"task_id" text NOT NULL,
	"status" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"reply_due_at" timestamp with time zone NOT NULL,
	"reply_due_provisional" boolean DEFAULT false NOT NULL,
	"reply_overdue" boolean DEFAULT false NOT NULL,
	"reply_outcome" text,
	"reply_text" text,
	"replied_at" timestamp with time zone,
	"replied_by" jsonb,
	"reply_sent_at" timestamp with time zone,
	"repeat_of" text,
	"earlier_complaints" integer DEFAULT 0 NOT NULL,
	"task_outcome" text,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "hotline_replies" (
	"business_key" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"ticket_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "application_no" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "origin" text DEFAULT 'approval' NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "origin_no" text;--> statement-breakpoint
UPDATE "tasks" SET "origin_no" = "application_no";--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "origin_no" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "applicant_name" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "subject" text;--> statement-breakpoint
ALTER TABLE "deadline_policies" ADD COLUMN "complaint_reply_days" jsonb DEFAULT '{"12315":7,"12345":5}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "complaint_replies" ADD CONSTRAINT "complaint_replies_complaint_no_complaints_complaint_no_fk" FOREIGN KEY ("complaint_no") REFERENCES "public"."complaints"("complaint_no") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "complaints_credit_code_idx" ON "complaints" USING btree ("credit_code","received_at");--> statement-breakpoint
CREATE INDEX "complaints_enterprise_idx" ON "complaints" USING btree ("region_code","enterprise_name","received_at");--> statement-breakpoint
CREATE INDEX "complaints_department_idx" ON "complaints" USING btree ("department_code","division_code","received_at");--> statement-breakpoint
CREATE INDEX "tasks_origin_idx" ON "tasks" USING btree ("origin","origin_no");--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_origin_case" CHECK (("tasks"."origin" = 'approval') = ("tasks"."application_no" is not null) and ("tasks"."application_no" is null or "tasks"."application_no" = "tasks"."origin_no"));