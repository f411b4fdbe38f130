DROP INDEX "tasks_inbox_due_idx";--> statement-breakpoint
DROP INDEX "tasks_inbox_status_due_idx";--> statement-breakpoint
DROP INDEX "tasks_inbox_department_due_idx";--> statement-breakpoint
ALTER TABLE "approval_items" ADD COLUMN "verifiable_materials" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "supervision_items" ADD COLUMN "inspection_days" integer;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "inspection_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deadline_policies" ADD COLUMN "inspection_window" integer;--> statement-breakpoint
CREATE INDEX "tasks_inbox_due_idx" ON "tasks" USING btree ("department_code","division_code",(case "status" when 'awaiting-claim' then "claim_due_at" when 'claimed' then "inspection_due_at" when 'awaiting-feedback' then "feedback_due_at" when 'awaiting-reinspection' then "reinspection_due_at" when 'rectifying' then "rectification_due_at" end),"task_id");--> statement-breakpoint
CREATE INDEX "tasks_inbox_status_due_idx" ON "tasks" USING btree ("department_code","division_code","status",(case "status" when 'awaiting-claim' then "claim_due_at" when 'claimed' then "inspection_due_at" when 'awaiting-feedback' then "feedback_due_at" when 'awaiting-reinspection' then "reinspection_due_at" when 'rectifying' then "rectification_due_at" end),"task_id");--> statement-breakpoint
CREATE INDEX "tasks_inbox_department_due_idx" ON "tasks" USING btree ("department_code",(case "status" when 'awaiting-claim' then "claim_due_at" when 'claimed' then "inspection_due_at" when 'awaiting-feedback' then "feedback_due_at" when 'awaiting-reinspection' then "reinspection_due_at" when 'rectifying' then "rectification_due_at" end),"task_id");