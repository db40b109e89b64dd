CREATE TABLE "account_api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "account_members" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"user_id" uuid,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"status" text NOT NULL,
	"token_hash" text,
	"expires_at" timestamp with time zone,
	"invited_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"joined_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"account_id" uuid NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" integer,
	"response" "bytea",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_account_id_key_pk" PRIMARY KEY("account_id","key")
);
--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"tenant_id" uuid NOT NULL,
	"day" date NOT NULL,
	"key_id" uuid NOT NULL,
	"api_calls" bigint DEFAULT 0 NOT NULL,
	"events_ingested" bigint DEFAULT 0 NOT NULL,
	"recommendation_requests" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_daily_tenant_id_day_key_id_pk" PRIMARY KEY("tenant_id","day","key_id")
);
--> statement-breakpoint
ALTER TABLE "tenants" DROP CONSTRAINT "tenants_owner_id_users_id_fk";
--> statement-breakpoint
DROP INDEX "tenants_owner_idx";--> statement-breakpoint
DROP INDEX "tenants_owner_name_key";--> statement-breakpoint
ALTER TABLE "tenants" ALTER COLUMN "owner_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "account_id" uuid;--> statement-breakpoint
-- Every existing admin becomes the owner of an account of their own (same id as the user), holding their tenants.
INSERT INTO "accounts" ("id", "name", "created_at") SELECT "id", "name", "created_at" FROM "users";--> statement-breakpoint
INSERT INTO "account_members" ("account_id", "user_id", "email", "role", "status", "created_at", "joined_at") SELECT "id", "id", "email", 'owner', 'active', "created_at", "created_at" FROM "users";--> statement-breakpoint
UPDATE "tenants" SET "account_id" = "owner_id";--> statement-breakpoint
ALTER TABLE "tenants" ALTER COLUMN "account_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "external_id" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email_prefs" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "weekly_summary_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "account_api_keys" ADD CONSTRAINT "account_api_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_api_keys" ADD CONSTRAINT "account_api_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_members" ADD CONSTRAINT "account_members_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_members" ADD CONSTRAINT "account_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_members" ADD CONSTRAINT "account_members_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_daily" ADD CONSTRAINT "usage_daily_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "account_api_keys_hash_key" ON "account_api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "account_api_keys_account_idx" ON "account_api_keys" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "account_members_email_key" ON "account_members" USING btree ("account_id","email");--> statement-breakpoint
CREATE UNIQUE INDEX "account_members_user_key" ON "account_members" USING btree ("account_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "account_members_token_key" ON "account_members" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "account_members_user_idx" ON "account_members" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tenants_account_idx" ON "tenants" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_account_name_key" ON "tenants" USING btree ("account_id",lower("name")) WHERE status <> 'deleted';--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_account_external_key" ON "tenants" USING btree ("account_id","external_id") WHERE status <> 'deleted' and external_id is not null;