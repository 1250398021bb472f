ALTER TABLE `events` ADD `decision` text;--> statement-breakpoint
ALTER TABLE `events` ADD `rule` text;--> statement-breakpoint
CREATE INDEX `events_team_decision_ts` ON `events` (`team`,`decision`,`ts`,`id`);