CREATE TABLE "draw_targets" (
	"draw_id" text NOT NULL,
	"credit_code" text NOT NULL,
	"ordinal" integer NOT NULL,
	"credit_grade" text NOT NULL,
	"risk_grade" text NOT NULL,
	"items" jsonb NOT NULL,
	"inspector_ids" jsonb NOT NULL,
	CONSTRAINT "draw_targets_draw_id_credit_code_pk" PRIMARY KEY("draw_id","credit_code")
);
--> statement-breakpoint
CREATE TABLE "entity_risk_grades" (
	"credit_code" text NOT NULL,
	"scope" text NOT NULL,
	"scope_code" text NOT NULL,
	"grade" text NOT NULL,
	"source" text NOT NULL,
	"assessed_on" date NOT NULL,
	CONSTRAINT "entity_risk_grades_credit_code_scope_scope_code_pk" PRIMARY KEY("credit_code","scope","scope_code")
);
--> statement-breakpoint
CREATE TABLE "inspection_draws" (
	"draw_id" text PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"algorithm" text NOT NULL,
	"seed" text NOT NULL,
	"snapshot" text NOT NULL,
	"snapshot_hash" text NOT NULL,
	"population_size" integer NOT NULL,
	"status" text NOT NULL,
	"result_hash" text,
	"classes" jsonb,
	"unstaffed" jsonb,
	"snapshot_at" timestamp with time zone NOT NULL,
	"drawn_at" timestamp with time zone,
	"last_verified_at" timestamp with time zone,
	"last_verified" boolean,
	CONSTRAINT "inspection_draws_plan_id_unique" UNIQUE("plan_id")
);
--> statement-breakpoint
CREATE TABLE "inspection_plans" (
	"plan_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"region_code" text NOT NULL,
	"lead_department_code" text NOT NULL,
	"departments" jsonb NOT NULL,
	"items" jsonb NOT NULL,
	"items_per_target" integer,
	"filter" jsonb NOT NULL,
	"shares" jsonb NOT NULL,
	"inspectors_per_target" integer NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"publication_days" integer NOT NULL,
	"status" text NOT NULL,
	"content_hash" text,
	"beacon" text,
	"beacon_source" text,
	"seed" text,
	"committed_at" timestamp with time zone,
	"committed_by" jsonb,
	"created_by" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inspection_results" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"draw_id" text NOT NULL,
	"credit_code" text NOT NULL,
	"department_code" text NOT NULL,
	"region_code" text NOT NULL,
	"items" jsonb NOT NULL,
	"inspected_on" date NOT NULL,
	"result" text NOT NULL,
	"checklist" jsonb NOT NULL,
	"recorded_by" jsonb NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"on_time" boolean NOT NULL,
	"publish_due_at" timestamp with time zone NOT NULL,
	"published_at" timestamp with time zone,
	"withdrawn_at" timestamp with time zone,
	"withdrawal_reason" text,
	"withdrawn_by" jsonb
);
--> statement-breakpoint
CREATE TABLE "inspector_conflicts" (
	"inspector_id" text NOT NULL,
	"credit_code" text NOT NULL,
	"reason" text NOT NULL,
	"recorded_by" jsonb NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inspector_conflicts_inspector_id_credit_code_pk" PRIMARY KEY("inspector_id","credit_code")
);
--> statement-breakpoint
CREATE TABLE "inspectors" (
	"id" text PRIMARY KEY NOT NULL,
	"department_code" text NOT NULL,
	"division_code" text,
	"name" text NOT NULL,
	"certificate_no" text NOT NULL,
	"certificate_valid_from" date NOT NULL,
	"certificate_valid_until" date NOT NULL,
	"items" jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "market_entities" (
	"credit_code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"region_code" text NOT NULL,
	"industry" text,
	"registered_address" text,
	"credit_grade" text NOT NULL,
	"credit_source" text NOT NULL,
	"credit_assessed_on" date NOT NULL,
	"origin" text NOT NULL,
	"updated_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "draw_targets" ADD CONSTRAINT "draw_targets_draw_id_inspection_draws_draw_id_fk" FOREIGN KEY ("draw_id") REFERENCES "public"."inspection_draws"("draw_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entity_risk_grades" ADD CONSTRAINT "entity_risk_grades_credit_code_market_entities_credit_code_fk" FOREIGN KEY ("credit_code") REFERENCES "public"."market_entities"("credit_code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_draws" ADD CONSTRAINT "inspection_draws_plan_id_inspection_plans_plan_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."inspection_plans"("plan_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_plans" ADD CONSTRAINT "inspection_plans_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_plans" ADD CONSTRAINT "inspection_plans_lead_department_code_departments_code_fk" FOREIGN KEY ("lead_department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspection_results" ADD CONSTRAINT "inspection_results_draw_id_inspection_draws_draw_id_fk" FOREIGN KEY ("draw_id") REFERENCES "public"."inspection_draws"("draw_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspector_conflicts" ADD CONSTRAINT "inspector_conflicts_inspector_id_inspectors_id_fk" FOREIGN KEY ("inspector_id") REFERENCES "public"."inspectors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspectors" ADD CONSTRAINT "inspectors_department_code_departments_code_fk" FOREIGN KEY ("department_code") REFERENCES "public"."departments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspectors" ADD CONSTRAINT "inspectors_division_code_divisions_code_fk" FOREIGN KEY ("division_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "market_entities" ADD CONSTRAINT "market_entities_region_code_regions_code_fk" FOREIGN KEY ("region_code") REFERENCES "public"."regions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "draw_targets_ordinal_idx" ON "draw_targets" USING btree ("draw_id","ordinal");--> statement-breakpoint
CREATE INDEX "inspection_plans_lead_idx" ON "inspection_plans" USING btree ("lead_department_code","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "inspection_results_target_uq" ON "inspection_results" USING btree ("draw_id","credit_code");--> statement-breakpoint
CREATE INDEX "inspection_results_public_idx" ON "inspection_results" USING btree ("published_at","id");--> statement-breakpoint
CREATE INDEX "inspector_conflicts_entity_idx" ON "inspector_conflicts" USING btree ("credit_code");--> statement-breakpoint
CREATE UNIQUE INDEX "inspectors_certificate_uq" ON "inspectors" USING btree ("certificate_no");--> statement-breakpoint
CREATE INDEX "inspectors_department_idx" ON "inspectors" USING btree ("department_code","id");--> statement-breakpoint
CREATE INDEX "market_entities_region_idx" ON "market_entities" USING btree ("region_code","credit_code");