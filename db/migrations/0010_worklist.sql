CREATE TABLE "result_receipts" (
	"task_id" text PRIMARY KEY NOT NULL,
	"application_no" text NOT NULL,
	"department_code" text NOT NULL,
	"outcome" text NOT NULL,
	"result" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" jsonb
);
--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "revocation_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "revocation_due_provisional" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "next_due_kind" text GENERATED ALWAYS AS (case stage when 'awaiting-decision' then 'decision' when 'awaiting-materials' then 'commitment' when 'revocation-pending' then 'revocation' end) STORED;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "next_due_at" timestamp with time zone GENERATED ALWAYS AS (case stage when 'awaiting-decision' then decision_due_at when 'awaiting-materials' then commitment_due_at when 'revocation-pending' then revocation_due_at end) STORED;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "next_due_provisional" boolean GENERATED ALWAYS AS (case stage when 'awaiting-decision' then decision_due_provisional when 'revocation-pending' then revocation_due_provisional else false end) STORED;--> statement-breakpoint
ALTER TABLE "result_receipts" ADD CONSTRAINT "result_receipts_application_no_cases_application_no_fk" FOREIGN KEY ("application_no") REFERENCES "public"."cases"("application_no") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "result_receipts_application_idx" ON "result_receipts" USING btree ("application_no","received_at");--> statement-breakpoint
CREATE INDEX "cases_worklist_idx" ON "cases" USING btree ("approval_department_code","next_due_at","application_no");--> statement-breakpoint
-- A revocation pending before this migration had its deadline on the trail only: the latest
-- of its opening step and the deadline moves a calendar import made.
UPDATE "cases" SET "revocation_due_at" = (e."detail"->>(CASE e."kind" WHEN 'deadline-moved' THEN 'to' ELSE 'dueAt' END))::timestamptz, "revocation_due_provisional" = coalesce((e."detail"->>'provisional')::boolean, false)
FROM (
  SELECT DISTINCT ON ("application_no") "application_no", "kind", "detail" FROM "audit_events"
  WHERE "kind" = 'revocation-pending' OR ("kind" = 'deadline-moved' AND "detail"->>'window' = 'revocation')
  ORDER BY "application_no", "id" DESC
) e
WHERE e."application_no" = "cases"."application_no" AND "cases"."stage" = 'revocation-pending';--> statement-breakpoint
-- The results received before this migration, from their step on the trail; none acknowledged yet.
INSERT INTO "result_receipts" ("task_id", "application_no", "department_code", "outcome", "result", "received_at")
SELECT a."task_id", a."application_no", t."department_code", a."detail"->>'outcome', a."detail"->>'result', a."at"
FROM "audit_events" a JOIN "tasks" t ON t."task_id" = a."task_id"
WHERE a."kind" = 'result-received'
ON CONFLICT DO NOTHING;
