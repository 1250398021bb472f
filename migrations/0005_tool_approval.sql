ALTER TABLE `servers` ADD `hide_changed_tools` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tool_pins` ADD `definition` text;--> statement-breakpoint
ALTER TABLE `tool_pins` ADD `changed_definition` text;--> statement-breakpoint
ALTER TABLE `tool_pins` ADD `approved_by` text;--> statement-breakpoint
ALTER TABLE `tool_pins` ADD `approved_at` integer;