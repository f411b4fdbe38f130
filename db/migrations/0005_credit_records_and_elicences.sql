CREATE TABLE "credit_platform_records" (
	"business_key" text PRIMARY KEY NOT NULL,
	"credit_code" text NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credit_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"business_key" text NOT NULL,
	"credit_code" text NOT NULL,
	"kind" text NOT NULL,
	"application_no" text NOT NULL,
	"task_id" text,
	"summary" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"provider_record_id" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"accepted_at" timestamp with time zone,
	CONSTRAINT "credit_records_business_key_unique" UNIQUE("business_key")
);
--> statement-breakpoint
CREATE TABLE "elicence_records" (
	"id" serial PRIMARY KEY NOT NULL,
	"credit_code" text NOT NULL,
	"material" text NOT NULL,
	"licence_no" text NOT NULL,
	"valid_until" date,
	"revoked" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX "credit_platform_records_credit_code_idx" ON "credit_platform_records" USING btree ("credit_code");--> statement-breakpoint
CREATE INDEX "credit_records_credit_code_idx" ON "credit_records" USING btree ("credit_code","id");--> statement-breakpoint
CREATE INDEX "credit_records_application_idx" ON "credit_records" USING btree ("application_no");--> statement-breakpoint
CREATE INDEX "elicence_records_credit_code_material_idx" ON "elicence_records" USING btree ("credit_code","material");