-- Sequential analysis (issue 25). Experiments stored before it keep the fixed-horizon
-- reading they had: they get 'fixed', and the default becomes 'sequential' only after.
ALTER TABLE "experiments" ADD COLUMN "analysis" text DEFAULT 'fixed' NOT NULL;--> statement-breakpoint
ALTER TABLE "experiments" ALTER COLUMN "analysis" SET DEFAULT 'sequential';--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "planned_sample_size" integer;
