CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`ts` integer NOT NULL,
	`team` text NOT NULL,
	`session_id` text,
	`server` text NOT NULL,
	`subject` text NOT NULL,
	`direction` text NOT NULL,
	`kind` text NOT NULL,
	`method` text,
	`target` text,
	`request_id` text,
	`status` text NOT NULL,
	`error_code` integer,
	`latency_ms` integer,
	`bytes_in` integer DEFAULT 0 NOT NULL,
	`bytes_out` integer DEFAULT 0 NOT NULL,
	`progress_count` integer DEFAULT 0 NOT NULL,
	`params_excerpt` text,
	`result_excerpt` text
);
--> statement-breakpoint
CREATE INDEX `events_team_ts` ON `events` (`team`,`ts`,`id`);--> statement-breakpoint
CREATE INDEX `events_team_server_ts` ON `events` (`team`,`server`,`ts`,`id`);--> statement-breakpoint
CREATE INDEX `events_team_session_ts` ON `events` (`team`,`session_id`,`ts`,`id`);--> statement-breakpoint
CREATE INDEX `events_team_subject_ts` ON `events` (`team`,`subject`,`ts`,`id`);--> statement-breakpoint
CREATE INDEX `events_team_target_ts` ON `events` (`team`,`target`,`ts`,`id`);--> statement-breakpoint
CREATE TABLE `servers` (
	`id` text PRIMARY KEY NOT NULL,
	`team` text NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`description` text,
	`credentials_sealed` text,
	`credential_header_names` text DEFAULT '[]' NOT NULL,
	`timeout_ms` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `servers_team_name` ON `servers` (`team`,`name`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`team` text NOT NULL,
	`server_id` text NOT NULL,
	`server` text NOT NULL,
	`subject` text NOT NULL,
	`client_name` text,
	`client_version` text,
	`protocol_version` text,
	`upstream_session_id` text,
	`initialize_params` text,
	`started_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`ended_at` integer
);
--> statement-breakpoint
CREATE INDEX `sessions_team_started` ON `sessions` (`team`,`started_at`);