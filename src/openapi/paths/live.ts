import { EventsQuerySchema } from "../../live/live.routes.ts";
import { AUTHENTICATED, errors, text, type Operation } from "../define.ts";

const STREAM = "`text/event-stream`: `event: sale` with the sale (`data:` is its JSON)";

export const LIVE_OPERATIONS: Operation[] = [
  {
    method: "get",
    path: "/orders/{ref}/events",
    summary: "The sale's changes as a stream",
    tag: "live",
    responses: {
      200: {
        description: `${STREAM} at once and on every change; \`: ping\` every 15 s`,
        content: { "text/event-stream": text() },
      },
      ...errors([...AUTHENTICATED, 404]),
    },
  },
  {
    method: "get",
    path: "/events",
    summary: "Every sale change in the filter as a stream",
    tag: "live",
    query: { schema: EventsQuerySchema },
    responses: {
      200: {
        description: "`text/event-stream`: `event: sale` on every change; `: ping` every 15 s",
        content: { "text/event-stream": text() },
      },
      ...errors([400, ...AUTHENTICATED]),
    },
  },
];
