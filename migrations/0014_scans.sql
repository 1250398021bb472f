CREATE TABLE `finding_reviews` (
	`team` text NOT NULL,
	`fingerprint` text NOT NULL,
	`status` text NOT NULL,
	`note` text,
	`reviewed_by` text NOT NULL,
	`reviewed_at` integer NOT NULL,
	PRIMARY KEY(`team`, `fingerprint`)
);
--> statement-breakpoint
CREATE TABLE `scan_findings` (
	`scan_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`team` text NOT NULL,
	`rule_id` text NOT NULL,
	`severity` text NOT NULL,
	`body` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	PRIMARY KEY(`scan_id`, `fingerprint`)
);
--> statement-breakpoint
CREATE TABLE `scans` (
	`id` text PRIMARY KEY NOT NULL,
	`team` text NOT NULL,
	`kind` text NOT NULL,
	`trigger` text NOT NULL,
	`server_id` text,
	`target` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`summary` text,
	`stats` text,
	`definitions` text,
	`changes` text,
	`sha256` text,
	`created_by` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `scans_team_started` ON `scans` (`team`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `scans_team_server_started` ON `scans` (`team`,`server_id`,`started_at`);--> statement-breakpoint
ALTER TABLE `servers` ADD `scan_interval_hours` integer;