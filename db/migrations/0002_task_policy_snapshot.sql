ALTER TABLE "cases" ADD COLUMN "decision_due_provisional" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "decision_window" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "policy" jsonb;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "claim_remind_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "feedback_remind_at" timestamp with time zone;