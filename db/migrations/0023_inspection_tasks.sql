ALTER TABLE "draw_targets" ADD COLUMN "task_id" text;--> statement-breakpoint
ALTER TABLE "draw_targets" ADD CONSTRAINT "draw_targets_task_uq" UNIQUE("task_id");