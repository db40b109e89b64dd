-- More than two arms, guardrails and CUPED (issue 25). Stored experiments keep the reading they
-- had: no CUPED adjustment for them; new experiments get it by default.
ALTER TABLE "experiments" ADD COLUMN "variants" jsonb;--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "guardrails" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "cuped" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "experiments" ALTER COLUMN "cuped" SET DEFAULT true;
