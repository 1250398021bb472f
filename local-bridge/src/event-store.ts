// The events of one `helmet serve` session, kept so a client whose SSE stream broke can resume it with
// Last-Event-ID (the MCP SDK transport asks this store to replay). Bounded: the oldest events go first.
import type { EventId, EventStore, StreamId } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

export class BoundedEventStore implements EventStore {
  readonly #max: number;
  readonly #events = new Map<EventId, { streamId: StreamId; message: JSONRPCMessage }>();
  #next = 0;

  constructor(maxEvents = 1_000) {
    this.#max = maxEvents;
  }

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    this.#next += 1;
    const id = `${streamId}_${this.#next}`;
    this.#events.set(id, { streamId, message });
    if (this.#events.size > this.#max) {
      const oldest = this.#events.keys().next().value;
      if (oldest !== undefined) this.#events.delete(oldest);
    }
    return id;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.#events.get(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const last = this.#events.get(lastEventId);
    if (!last) return "";
    let after = false;
    for (const [id, event] of this.#events) {
      if (id === lastEventId) {
        after = true;
        continue;
      }
      if (after && event.streamId === last.streamId) await send(id, event.message);
    }
    return last.streamId;
  }
}
