ALTER TABLE "cases" ADD COLUMN "commitment_scenario" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "commitment_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "commitment_outcome" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "revocation_reason" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "rectification_round" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "rectification_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "reinspection_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "outcome" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "verify_commitment" boolean DEFAULT false NOT NULL;