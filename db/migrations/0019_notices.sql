CREATE TABLE "department_notices" (
	"notice_id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"region_code" text NOT NULL,
	"department_code" text NOT NULL,
	"division_code" text,
	"raised_by" jsonb NOT NULL,
	"raised_by_department" text,
	"registration_id" text,
	"application_no" text,
	"task_id" text,
	"origin_trail" text NOT NULL,
	"credit_code" text NOT NULL,
	"subject_name" text NOT NULL,
	"item_code" text,
	"matter" text NOT NULL,
	"policy" jsonb NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"due_provisional" boolean DEFAULT false NOT NULL,
	"remind_at" timestamp with time zone,
	"overdue" boolean DEFAULT false NOT NULL,
	"escalated_at" timestamp with time zone,
	"hops" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"answered_at" timestamp with time zone,
	"answered_by" jsonb,
	"answer_note" text,
	"licensed_application_no" text,
	"licensed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "power_divisions" (
	"id" serial PRIMARY KEY NOT NULL,
	"region_code" text NOT NULL,
	"approval_item_code" text NOT NULL,
	"level" text NOT NULL,
	"holder_department_code" text NOT NULL,
	"holder_item_code" text,
	"legal_basis" text,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registrations" (
	"registration_id" text PRIMARY KEY NOT NULL,
	"region_code" text NOT NULL,
	"district_code" text,
	"credit_code" text NOT NULL,
	"name" text NOT NULL,
	"business_scope" text NOT NULL,
	"registered_at" timestamp with time zone NOT NULL,
	"request_hash" text NOT NULL,
	"received_by" jsonb NOT NULL,
	"matched" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scope_mappings" (
	"id" serial PRIMARY KEY NOT NULL,
	"region_code" text NOT NULL,
	"term" text NOT NULL,
	"approval_item_code" text NOT NULL,
	"note" text,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "power_divisions" ADD CONSTRAINT "power_divisions_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "power_divisions" ADD CONSTRAINT "power_divisions_approval_item_code_approval_items_code_fk" FOREIGN KEY ("approval_item_code") REFERENCES "public"."approval_items"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "power_divisions" ADD CONSTRAINT "power_divisions_holder_department_code_departments_code_fk" FOREIGN KEY ("holder_department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "power_divisions" ADD CONSTRAINT "power_divisions_holder_item_code_approval_items_code_fk" FOREIGN KEY ("holder_item_code") REFERENCES "public"."approval_items"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scope_mappings" ADD CONSTRAINT "scope_mappings_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scope_mappings" ADD CONSTRAINT "scope_mappings_approval_item_code_approval_items_code_fk" FOREIGN KEY ("approval_item_code") REFERENCES "public"."approval_items"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "department_notices_holder_idx" ON "department_notices" USING btree ("department_code","status","due_at");--> statement-breakpoint
CREATE INDEX "department_notices_raised_idx" ON "department_notices" USING btree ("raised_by_department","created_at");--> statement-breakpoint
CREATE INDEX "department_notices_region_idx" ON "department_notices" USING btree ("region_code","created_at");--> statement-breakpoint
CREATE INDEX "department_notices_credit_item_idx" ON "department_notices" USING btree ("credit_code","item_code");--> statement-breakpoint
CREATE INDEX "department_notices_registration_idx" ON "department_notices" USING btree ("registration_id");--> statement-breakpoint
CREATE INDEX "department_notices_application_idx" ON "department_notices" USING btree ("application_no");--> statement-breakpoint
CREATE UNIQUE INDEX "power_divisions_uq" ON "power_divisions" USING btree ("region_code","approval_item_code");--> statement-breakpoint
CREATE INDEX "registrations_credit_code_idx" ON "registrations" USING btree ("credit_code");--> statement-breakpoint
CREATE UNIQUE INDEX "scope_mappings_uq" ON "scope_mappings" USING btree ("region_code","term","approval_item_code");