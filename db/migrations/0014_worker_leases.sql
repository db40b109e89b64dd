CREATE TABLE "background_duties" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text,
	"lease_until" timestamp with time zone,
	"done_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "recommendation_models" ADD COLUMN "lease_holder" text;