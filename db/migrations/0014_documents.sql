CREATE TABLE "documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"sha256" text NOT NULL,
	"media_type" text NOT NULL,
	"size" integer NOT NULL,
	"file_name" text,
	"department_code" text NOT NULL,
	"uploaded_by" text NOT NULL,
	"content" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "documents_sha256_hex" CHECK ("documents"."sha256" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "documents_size_of_content" CHECK ("documents"."size" = octet_length("documents"."content"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "documents_department_sha256_idx" ON "documents" USING btree ("department_code","sha256");--> statement-breakpoint
CREATE INDEX "dossiers_materials_idx" ON "dossiers" USING gin ("materials" jsonb_path_ops);--> statement-breakpoint
-- Out of line and not compressed again: PDF, JPEG, PNG and OFD (a zip) are compressed already.
ALTER TABLE "documents" ALTER COLUMN "content" SET STORAGE EXTERNAL;--> statement-breakpoint
-- A dossier's materials were bare names before: each becomes {"name": …}, the one shape a
-- dossier keeps now (a material with a stored file adds "documentId").
UPDATE "dossiers" SET "materials" = (
  SELECT coalesce(jsonb_agg(CASE jsonb_typeof(e.m) WHEN 'string' THEN jsonb_build_object('name', e.m #>> '{}') ELSE e.m END ORDER BY e.i), '[]'::jsonb)
  FROM jsonb_array_elements("dossiers"."materials") WITH ORDINALITY AS e(m, i)
)
WHERE EXISTS (SELECT 1 FROM jsonb_array_elements("dossiers"."materials") AS x(m) WHERE jsonb_typeof(x.m) = 'string');
