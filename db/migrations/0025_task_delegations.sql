CREATE TABLE "task_delegations" (
	"task_id" text NOT NULL,
	"seq" integer NOT NULL,
	"inspector_ids" jsonb NOT NULL,
	"reason" text,
	"delegated_by" jsonb NOT NULL,
	"delegated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "task_delegations_task_id_seq_pk" PRIMARY KEY("task_id","seq")
);
--> statement-breakpoint
ALTER TABLE "task_delegations" ADD CONSTRAINT "task_delegations_task_id_tasks_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("task_id") ON DELETE no action ON UPDATE no action;