DROP INDEX "import_stored_job_idx";--> statement-breakpoint
CREATE INDEX "import_stored_job_user_ts_idx" ON "import_stored" USING btree ("job_id","user_id","ts");