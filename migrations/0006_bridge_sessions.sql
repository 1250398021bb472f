ALTER TABLE `sessions` ADD `source` text DEFAULT 'gateway' NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `machine` text;