CREATE TABLE "analytics_daily" (
	"tenant_id" uuid NOT NULL,
	"day" date NOT NULL,
	"placement" text DEFAULT '' NOT NULL,
	"strategy" text DEFAULT '' NOT NULL,
	"experiment_id" text DEFAULT '' NOT NULL,
	"arm" text DEFAULT '' NOT NULL,
	"impressions" bigint DEFAULT 0 NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"conversions" bigint DEFAULT 0 NOT NULL,
	"revenue" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_daily_tenant_id_day_placement_strategy_experiment_id_arm_pk" PRIMARY KEY("tenant_id","day","placement","strategy","experiment_id","arm")
);
--> statement-breakpoint
CREATE TABLE "analytics_product_daily" (
	"tenant_id" uuid NOT NULL,
	"day" date NOT NULL,
	"product_id" text NOT NULL,
	"placement" text DEFAULT '' NOT NULL,
	"strategy" text DEFAULT '' NOT NULL,
	"impressions" bigint DEFAULT 0 NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"conversions" bigint DEFAULT 0 NOT NULL,
	"revenue" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_product_daily_tenant_id_day_product_id_placement_strategy_pk" PRIMARY KEY("tenant_id","day","product_id","placement","strategy")
);
--> statement-breakpoint
CREATE TABLE "event_daily_summaries" (
	"tenant_id" uuid NOT NULL,
	"day" date NOT NULL,
	"event_type" text NOT NULL,
	"product_id" text NOT NULL,
	"events" bigint DEFAULT 0 NOT NULL,
	"users" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "event_daily_summaries_tenant_id_day_event_type_product_id_pk" PRIMARY KEY("tenant_id","day","event_type","product_id")
);
--> statement-breakpoint
CREATE TABLE "recommendation_clicks" (
	"tenant_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"product_id" text NOT NULL,
	"clicked_at" timestamp with time zone NOT NULL,
	"placement" text,
	"strategy" text,
	"experiment_id" text,
	"arm" text,
	CONSTRAINT "recommendation_clicks_tenant_id_user_id_product_id_pk" PRIMARY KEY("tenant_id","user_id","product_id")
);
--> statement-breakpoint
CREATE TABLE "user_profiles" (
	"tenant_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"recent" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"event_count" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_profiles_tenant_id_user_id_pk" PRIMARY KEY("tenant_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "user_purchases" (
	"tenant_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"product_id" text NOT NULL,
	"last_purchased_at" timestamp with time zone NOT NULL,
	"purchases" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "user_purchases_tenant_id_user_id_product_id_pk" PRIMARY KEY("tenant_id","user_id","product_id")
);
--> statement-breakpoint
ALTER TABLE "analytics_daily" ADD CONSTRAINT "analytics_daily_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_product_daily" ADD CONSTRAINT "analytics_product_daily_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_daily_summaries" ADD CONSTRAINT "event_daily_summaries_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendation_clicks" ADD CONSTRAINT "recommendation_clicks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_purchases" ADD CONSTRAINT "user_purchases_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;