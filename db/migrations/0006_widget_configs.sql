CREATE TABLE "widget_configs" (
	"tenant_id" uuid NOT NULL,
	"placement" text NOT NULL,
	"config" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "widget_configs_tenant_id_placement_pk" PRIMARY KEY("tenant_id","placement")
);
--> statement-breakpoint
ALTER TABLE "widget_configs" ADD CONSTRAINT "widget_configs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;