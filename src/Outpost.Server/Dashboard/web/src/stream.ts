// Server-Sent Event streams that say when they are reconnecting and resync when they are back.
import { banner } from "./dom";

export interface StreamHandlers {
  /** Called on every (re)connect: read the current state, updates may have been missed. */
  resync: () => void;
  events: Record<string, (data: string) => void>;
}

export function watch(url: string, handlers: StreamHandlers): () => void {
  let source: EventSource | null = null;
  let closed = false;
  let retry: number | undefined;
  const open = () => {
    source = new EventSource(url, { withCredentials: true });
    source.addEventListener("open", () => {
      banner(null);
      handlers.resync();
    });
    source.addEventListener("resync", () => handlers.resync());
    for (const [type, handle] of Object.entries(handlers.events)) {
      source.addEventListener(type, (event) => handle((event as MessageEvent<string>).data));
    }
    source.addEventListener("error", () => {
      if (closed) {
        return;
      }
      banner("Live updates lost: reconnecting…");
      if (source?.readyState === EventSource.CLOSED) {
        // The server refused (401 after an expired session, 5xx): try again, and let an API call notice a sign-out.
        retry = window.setTimeout(open, 2000);
      }
    });
  };
  open();
  return () => {
    closed = true;
    window.clearTimeout(retry);
    source?.close();
    banner(null);
  };
}
