CREATE TABLE "experiment_alerts" (
	"experiment_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"tenant_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "experiment_alerts_experiment_id_kind_pk" PRIMARY KEY("experiment_id","kind")
);
--> statement-breakpoint
ALTER TABLE "experiment_alerts" ADD CONSTRAINT "experiment_alerts_experiment_id_experiments_id_fk" FOREIGN KEY ("experiment_id") REFERENCES "public"."experiments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "experiment_alerts" ADD CONSTRAINT "experiment_alerts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "experiment_alerts_unsent_idx" ON "experiment_alerts" USING btree ("created_at") WHERE sent_at is null;