CREATE TABLE "alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"alert_key" text NOT NULL,
	"kind" text NOT NULL,
	"region_code" text NOT NULL,
	"application_no" text,
	"item_code" text,
	"message" text NOT NULL,
	"raised_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolution" text,
	CONSTRAINT "alerts_alert_key_unique" UNIQUE("alert_key")
);
--> statement-breakpoint
CREATE TABLE "approval_item_versions" (
	"item_code" text NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"reason" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "approval_item_versions_item_code_version_pk" PRIMARY KEY("item_code","version")
);
--> statement-breakpoint
CREATE TABLE "catalog_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"entity" text NOT NULL,
	"entity_key" text NOT NULL,
	"action" text NOT NULL,
	"actor" jsonb NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "regions" ADD COLUMN "admin_name" text;--> statement-breakpoint
ALTER TABLE "regions" ADD COLUMN "admin_phone" text;--> statement-breakpoint
ALTER TABLE "approval_items" ADD COLUMN "commitment_minimum_grade" text DEFAULT 'B' NOT NULL;--> statement-breakpoint
ALTER TABLE "linkages" ADD COLUMN "dispute_reason" text;--> statement-breakpoint
ALTER TABLE "linkages" ADD COLUMN "disputed_by" text;--> statement-breakpoint
ALTER TABLE "linkages" ADD COLUMN "settled_by" text;--> statement-breakpoint
ALTER TABLE "linkages" ADD COLUMN "settlement" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "pinned_linkages" jsonb;--> statement-breakpoint
ALTER TABLE "approval_item_versions" ADD CONSTRAINT "approval_item_versions_item_code_approval_items_code_fk" FOREIGN KEY ("item_code") REFERENCES "public"."approval_items"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alerts_region_idx" ON "alerts" USING btree ("region_code","resolved_at");--> statement-breakpoint
CREATE INDEX "catalog_changes_entity_idx" ON "catalog_changes" USING btree ("entity","entity_key","id");