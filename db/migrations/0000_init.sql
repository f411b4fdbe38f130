CREATE TYPE "public"."department_side" AS ENUM('approval', 'supervision', 'coordination');--> statement-breakpoint
CREATE TYPE "public"."linkage_status" AS ENUM('proposed', 'confirmed', 'disputed', 'rejected');--> statement-breakpoint
CREATE TABLE "departments" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"region_code" text NOT NULL,
	"side" "department_side" NOT NULL,
	"head_name" text,
	"head_phone" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "divisions" (
	"code" text PRIMARY KEY NOT NULL,
	"department_code" text NOT NULL,
	"name" text NOT NULL,
	"admin_name" text NOT NULL,
	"admin_phone" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "regions" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"deadline_policy" text DEFAULT 'standard' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_items" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"sub_item" text,
	"type" text NOT NULL,
	"department_code" text NOT NULL,
	"region_code" text NOT NULL,
	"materials" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"statutory_days" integer NOT NULL,
	"commitment_allowed" boolean DEFAULT false NOT NULL,
	"commitment_scenarios" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"commitment_period_days" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "linkages" (
	"id" serial PRIMARY KEY NOT NULL,
	"approval_item_code" text NOT NULL,
	"supervision_department_code" text NOT NULL,
	"supervision_item_code" text,
	"division_code" text,
	"status" "linkage_status" DEFAULT 'proposed' NOT NULL,
	"proposed_by" text,
	"confirmed_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "supervision_items" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"sub_item" text,
	"department_code" text NOT NULL,
	"division_code" text,
	"inspection_method" text,
	"legal_basis" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"application_no" text PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"item_code" text NOT NULL,
	"item_version" integer NOT NULL,
	"approval_department_code" text NOT NULL,
	"region_code" text NOT NULL,
	"applicant_credit_code" text NOT NULL,
	"applicant_name" text NOT NULL,
	"applicant_phone" text NOT NULL,
	"requested_route" text NOT NULL,
	"request_hash" text NOT NULL,
	"route" text,
	"route_reason" text,
	"stage" text NOT NULL,
	"credit_result" jsonb,
	"decision" text,
	"decision_opinion" text,
	"decided_at" timestamp with time zone,
	"licence_status" text DEFAULT 'none' NOT NULL,
	"decision_due_at" timestamp with time zone,
	"submitted_by" text NOT NULL,
	"closed_at" timestamp with time zone,
	"close_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cases_workflow_id_unique" UNIQUE("workflow_id")
);
--> statement-breakpoint
CREATE TABLE "dossiers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"application_no" text NOT NULL,
	"materials" jsonb NOT NULL,
	"opinion" text,
	"commitment_text" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dossiers_application_no_unique" UNIQUE("application_no")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"task_id" text PRIMARY KEY NOT NULL,
	"application_no" text NOT NULL,
	"department_code" text NOT NULL,
	"division_code" text NOT NULL,
	"supervision_item_code" text,
	"applicant_credit_code" text NOT NULL,
	"status" text NOT NULL,
	"pushed_at" timestamp with time zone NOT NULL,
	"claim_due_at" timestamp with time zone NOT NULL,
	"claim_due_provisional" boolean DEFAULT false NOT NULL,
	"claimed_at" timestamp with time zone,
	"claimed_by" text,
	"claim_overdue" boolean DEFAULT false NOT NULL,
	"escalated_at" timestamp with time zone,
	"inspection_finished_at" timestamp with time zone,
	"findings" text,
	"feedback_due_at" timestamp with time zone,
	"feedback_due_provisional" boolean DEFAULT false NOT NULL,
	"feedback_at" timestamp with time zone,
	"feedback_overdue" boolean DEFAULT false NOT NULL,
	"result" text,
	"result_note" text,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_key" text NOT NULL,
	"application_no" text NOT NULL,
	"task_id" text,
	"kind" text NOT NULL,
	"summary" text NOT NULL,
	"actor" jsonb NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"workflow_id" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_events_event_key_unique" UNIQUE("event_key")
);
--> statement-breakpoint
CREATE TABLE "credit_profiles" (
	"credit_code" text PRIMARY KEY NOT NULL,
	"grade" text NOT NULL,
	"blacklisted" boolean DEFAULT false NOT NULL,
	"broken_commitments" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"business_key" text NOT NULL,
	"channel" text DEFAULT 'sms' NOT NULL,
	"recipient_phone" text NOT NULL,
	"recipient_name" text,
	"template" text NOT NULL,
	"body" text NOT NULL,
	"application_no" text,
	"task_id" text,
	"status" text NOT NULL,
	"provider_message_id" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "notifications_business_key_unique" UNIQUE("business_key")
);
--> statement-breakpoint
CREATE TABLE "sms_gateway_messages" (
	"out_id" text PRIMARY KEY NOT NULL,
	"phone" text NOT NULL,
	"body" text NOT NULL,
	"accepted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "departments" ADD CONSTRAINT "departments_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "divisions" ADD CONSTRAINT "divisions_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_items" ADD CONSTRAINT "approval_items_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_items" ADD CONSTRAINT "approval_items_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "linkages" ADD CONSTRAINT "linkages_approval_item_code_approval_items_code_fk" FOREIGN KEY ("approval_item_code") REFERENCES "public"."approval_items"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "linkages" ADD CONSTRAINT "linkages_supervision_department_code_departments_code_fk" FOREIGN KEY ("supervision_department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "linkages" ADD CONSTRAINT "linkages_supervision_item_code_supervision_items_code_fk" FOREIGN KEY ("supervision_item_code") REFERENCES "public"."supervision_items"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "linkages" ADD CONSTRAINT "linkages_division_code_divisions_code_fk" FOREIGN KEY ("division_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_items" ADD CONSTRAINT "supervision_items_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "supervision_items" ADD CONSTRAINT "supervision_items_division_code_divisions_code_fk" FOREIGN KEY ("division_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dossiers" ADD CONSTRAINT "dossiers_application_no_cases_application_no_fk" FOREIGN KEY ("application_no") REFERENCES "public"."cases"("application_no") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_application_no_cases_application_no_fk" FOREIGN KEY ("application_no") REFERENCES "public"."cases"("application_no") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "departments_region_idx" ON "departments" USING btree ("region_code");--> statement-breakpoint
CREATE INDEX "divisions_department_idx" ON "divisions" USING btree ("department_code");--> statement-breakpoint
CREATE UNIQUE INDEX "linkages_item_department_uq" ON "linkages" USING btree ("approval_item_code","supervision_department_code");--> statement-breakpoint
CREATE INDEX "linkages_item_idx" ON "linkages" USING btree ("approval_item_code");--> statement-breakpoint
CREATE INDEX "cases_credit_code_idx" ON "cases" USING btree ("applicant_credit_code");--> statement-breakpoint
CREATE INDEX "cases_department_idx" ON "cases" USING btree ("approval_department_code","created_at");--> statement-breakpoint
CREATE INDEX "tasks_inbox_idx" ON "tasks" USING btree ("department_code","division_code","status","pushed_at");--> statement-breakpoint
CREATE INDEX "tasks_application_idx" ON "tasks" USING btree ("application_no");--> statement-breakpoint
CREATE INDEX "tasks_credit_code_idx" ON "tasks" USING btree ("applicant_credit_code");--> statement-breakpoint
CREATE INDEX "audit_application_idx" ON "audit_events" USING btree ("application_no","id");--> statement-breakpoint
CREATE INDEX "audit_task_idx" ON "audit_events" USING btree ("task_id","id");--> statement-breakpoint
CREATE INDEX "notifications_application_idx" ON "notifications" USING btree ("application_no");--> statement-breakpoint
CREATE INDEX "notifications_recipient_idx" ON "notifications" USING btree ("recipient_phone");