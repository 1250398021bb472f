CREATE TABLE `osv_advisories` (
	`id` text PRIMARY KEY NOT NULL,
	`modified` text NOT NULL,
	`record` text NOT NULL,
	`fetched_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `osv_advisories_fetched_at` ON `osv_advisories` (`fetched_at`);