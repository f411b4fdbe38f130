CREATE TABLE "entity_punishments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"credit_code" text NOT NULL,
	"measure_code" text NOT NULL,
	"measure_version" integer NOT NULL,
	"decision_no" text NOT NULL,
	"reason" text NOT NULL,
	"decided_by" jsonb NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"repaired_at" timestamp with time zone,
	"repaired_by" jsonb,
	"repair_reason" text,
	"repair_basis" text
);
--> statement-breakpoint
CREATE TABLE "joint_punishment_measures" (
	"code" text PRIMARY KEY NOT NULL,
	"region_code" text NOT NULL,
	"name" text NOT NULL,
	"category" text NOT NULL,
	"legal_basis" text NOT NULL,
	"department_code" text NOT NULL,
	"implementing_department_codes" jsonb NOT NULL,
	"duration_months" integer NOT NULL,
	"restricts_commitment" boolean DEFAULT false NOT NULL,
	"inspection_weight" integer DEFAULT 1 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"repealed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "leniency_assessments" (
	"task_id" text PRIMARY KEY NOT NULL,
	"application_no" text NOT NULL,
	"credit_code" text NOT NULL,
	"cause" text NOT NULL,
	"entry_code" text,
	"entry_version" integer,
	"earlier_offence" text,
	"minor" boolean DEFAULT false NOT NULL,
	"no_harm" boolean DEFAULT false NOT NULL,
	"eligible" boolean NOT NULL,
	"reason" text NOT NULL,
	"assessed_at" timestamp with time zone NOT NULL,
	"penalty" text,
	"penalty_reason" text,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "leniency_entries" (
	"code" text PRIMARY KEY NOT NULL,
	"region_code" text NOT NULL,
	"department_code" text NOT NULL,
	"kind" text NOT NULL,
	"matter" text NOT NULL,
	"legal_basis" text NOT NULL,
	"conditions" jsonb NOT NULL,
	"item_codes" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"repealed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "list_entry_versions" (
	"catalog" text NOT NULL,
	"code" text NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "list_entry_versions_catalog_code_version_pk" PRIMARY KEY("catalog","code","version")
);
--> statement-breakpoint
ALTER TABLE "entity_punishments" ADD CONSTRAINT "entity_punishments_measure_code_joint_punishment_measures_code_fk" FOREIGN KEY ("measure_code") REFERENCES "public"."joint_punishment_measures"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "joint_punishment_measures" ADD CONSTRAINT "joint_punishment_measures_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "joint_punishment_measures" ADD CONSTRAINT "joint_punishment_measures_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leniency_entries" ADD CONSTRAINT "leniency_entries_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leniency_entries" ADD CONSTRAINT "leniency_entries_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "entity_punishments_decision_uq" ON "entity_punishments" USING btree ("measure_code","credit_code","decision_no");--> statement-breakpoint
CREATE INDEX "entity_punishments_credit_code_idx" ON "entity_punishments" USING btree ("credit_code","ends_at");--> statement-breakpoint
CREATE INDEX "joint_punishment_measures_region_idx" ON "joint_punishment_measures" USING btree ("region_code");--> statement-breakpoint
CREATE INDEX "leniency_assessments_credit_code_idx" ON "leniency_assessments" USING btree ("credit_code");--> statement-breakpoint
CREATE INDEX "leniency_entries_region_idx" ON "leniency_entries" USING btree ("region_code");