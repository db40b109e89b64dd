ALTER TABLE "experiments" ADD COLUMN "summary" jsonb;--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "archived_at" timestamp with time zone;