CREATE TABLE `tool_pins` (
	`team` text NOT NULL,
	`server_id` text NOT NULL,
	`tool` text NOT NULL,
	`hash` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`changed_at` integer,
	`changed_hash` text,
	PRIMARY KEY(`team`, `server_id`, `tool`)
);
