// The trigram index behind the `q` text search of the logs (migrations/0013_events_search.sql): the FTS5 table's
// handle and the index query for a search text. The index only narrows which events to read; log-store.ts checks
// every candidate with the same LIKE the unindexed search uses.
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";

/**
 * The FTS5 table, for queries only: drizzle-kit cannot describe a virtual table, so it is declared here rather than
 * in schema.ts, and migration 0013 creates it. Its rowid is the events rowid.
 */
export const eventsSearch = sqliteTable("events_search", { rowid: integer("rowid").notNull() });

/** The trigram tokenizer indexes every run of three characters (code points), so a shorter text has no entry. */
const TRIGRAM = 3;

/**
 * An FTS5 query for the rows holding every trigram of `text`: all the rows containing it and maybe a few more (the
 * trigrams in another order). Null when the text is shorter than a trigram and the index cannot help. The table
 * folds case in both the index and the query, as LIKE does for ASCII.
 */
export function trigramQuery(text: string): string | null {
  const chars = Array.from(text);
  if (chars.length < TRIGRAM) return null;
  const trigrams = new Set<string>();
  for (let i = 0; i + TRIGRAM <= chars.length; i++) trigrams.add(chars.slice(i, i + TRIGRAM).join(""));
  // Each trigram as an FTS5 string (double quotes, quotes doubled), so no character of the text is query syntax.
  return [...trigrams].map((trigram) => `"${trigram.replaceAll('"', '""')}"`).join(" AND ");
}
