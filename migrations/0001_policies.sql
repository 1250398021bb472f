CREATE TABLE `policies` (
	`id` text PRIMARY KEY NOT NULL,
	`team` text NOT NULL,
	`name` text NOT NULL,
	`document` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `policies_team_name` ON `policies` (`team`,`name`);--> statement-breakpoint
ALTER TABLE `servers` ADD `policy_default` text DEFAULT 'allow' NOT NULL;