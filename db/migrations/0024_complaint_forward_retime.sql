ALTER TABLE "complaints" ADD COLUMN "reply_window" jsonb;--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "forwards" jsonb DEFAULT '[]'::jsonb NOT NULL;