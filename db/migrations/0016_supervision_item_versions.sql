CREATE TABLE "supervision_item_versions" (
	"item_code" text NOT NULL,
	"version" integer NOT NULL,
	"snapshot" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "supervision_item_versions_item_code_version_pk" PRIMARY KEY("item_code","version")
);
--> statement-breakpoint
ALTER TABLE "supervision_items" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "supervision_item_version" integer;--> statement-breakpoint
ALTER TABLE "supervision_item_versions" ADD CONSTRAINT "supervision_item_versions_item_code_supervision_items_code_fk" FOREIGN KEY ("item_code") REFERENCES "public"."supervision_items"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- The items already there: their first version as they are now.
INSERT INTO "supervision_item_versions" ("item_code", "version", "snapshot", "created_by")
SELECT s."code", 1, jsonb_build_object('code', s."code", 'name', s."name", 'subItem', s."sub_item", 'departmentCode', s."department_code", 'divisionCode', s."division_code",
       'inspectionMethod', s."inspection_method", 'legalBasis', s."legal_basis", 'inspectionDays', s."inspection_days", 'version', 1), 'migration'
FROM "supervision_items" s ON CONFLICT DO NOTHING;
