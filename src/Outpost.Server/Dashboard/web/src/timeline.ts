// The workspace's diagnose timeline: what every layer recorded, oldest first, with the incidents picked out.
import { api, Timeline, TimelineEntry } from "./api";
import { h, replace, when } from "./dom";
import type { Cleanup } from "./main";
import { watchWorkspace } from "./workspace";

const expectedReasons = new Set(["graceful", "client_closed", "server_shutdown", "workspace_stopped"]);

interface Incident { verdict: string; side: string; advice: string }

/** What went wrong at an entry, whose side it was on, and what to do; null when nothing did. */
export function incidentOf(entry: TimelineEntry): Incident | null {
  const f = entry.fields;
  switch (entry.kind) {
    case "build.failed":
      return {
        verdict: `build #${entry.build_number} failed${f.error ? `: ${f.error}` : ""}`,
        side: f.error_code?.startsWith("provisioner") || f.error_code?.startsWith("terraform") ? "template" : "build",
        advice: "read the build's logs; fix the template or its parameters, then start the workspace again",
      };
    case "build.canceled":
      return { verdict: `build #${entry.build_number} was canceled`, side: "user", advice: "start the workspace again when ready" };
    case "agent.disconnected":
    case "session.closed": {
      const reason = f.disconnect_reason;
      if (!reason || expectedReasons.has(reason)) {
        return null;
      }
      const side = f.disconnect_initiator === "client" ? "client" : f.disconnect_initiator === "network" ? "network" : f.disconnect_initiator ?? "unknown";
      return {
        verdict: `${entry.kind === "session.closed" ? "session" : "agent connection"} ended: ${reason}${f.disconnect_detail ? ` (${f.disconnect_detail})` : ""}`,
        side,
        advice: reason === "network_error" ? "the network dropped: reconnect (terminals replay what was missed)"
          : reason === "control_plane_lost" ? "the agent lost the server: check the workspace's network and the agent's logs"
          : "run `outpost diagnose` on the workspace for the full verdict",
      };
    }
    case "agent.lifecycle":
      return f.state && /error|timeout|timed_out|fail/.test(f.state)
        ? { verdict: `agent ${entry.agent} is ${f.state}`, side: "template", advice: "the template's start-up script failed or timed out: read the agent's logs" }
        : null;
    default:
      return null;
  }
}

function describe(entry: TimelineEntry): string {
  const f = entry.fields;
  const parts = Object.entries(f).map(([name, value]) => `${name}=${value}`);
  return parts.join("  ");
}

export async function timelinePage(app: HTMLElement, id: string, build: string | null, connection: string | null = null): Promise<Cleanup> {
  const head = h("div");
  const layer = h("select", { id: "layer", "data-testid": "layer-filter" },
    ...[["", "All layers"], ["build", "Builds"], ["agent", "Agent lifecycle"], ["control_plane", "Control plane"], ["session", "Sessions"]]
      .map(([value, label]) => h("option", { value }, label)));
  const incidents = h("ul", { class: "incidents", "data-testid": "incidents" });
  const body = h("tbody");
  replace(app, head,
    h("section", {}, h("h2", {}, "Incidents"), incidents),
    h("section", {}, h("div", { class: "page-head" }, h("h2", {}, "Timeline"), h("label", {}, "Layer ", layer)),
      h("table", { class: "list timeline", "data-testid": "timeline" },
        h("thead", {}, h("tr", {}, h("th", {}, "Time"), h("th", {}, "Layer"), h("th", {}, "What"), h("th", {}, "Build"), h("th", {}, "Agent"), h("th", {}, "Details"))), body)));

  let entries: TimelineEntry[] = [];
  const render = () => {
    const shown = entries.filter((entry) => layer.value === "" || entry.source === layer.value);
    replace(body, ...shown.map((entry) => {
      const incident = incidentOf(entry);
      const focused = (build !== null && String(entry.build_number) === build) || (connection !== null && entry.fields.connection_id === connection);
      return h("tr", { class: `${incident ? "incident" : ""}${focused ? " focused" : ""}`, "data-kind": entry.kind },
        h("td", {}, when(entry.time)), h("td", {}, entry.source), h("td", {}, entry.kind), h("td", {}, entry.build_number ? `#${entry.build_number}` : ""),
        h("td", {}, entry.agent ?? ""), h("td", { class: "fields" }, describe(entry)));
    }));
    const found = entries.map((entry) => [entry, incidentOf(entry)] as const).filter(([, incident]) => incident !== null);
    replace(incidents, ...(found.length === 0
      ? [h("li", { class: "muted" }, "No incidents: every layer recorded only expected events.")]
      : found.map(([entry, incident]) => h("li", {}, h("strong", {}, incident!.verdict), ` — ${when(entry.time)}; side: ${incident!.side}; advice: ${incident!.advice}`))));
    body.querySelector(".focused")?.scrollIntoView({ block: "center" });
  };
  layer.addEventListener("change", render);

  const load = async () => {
    const all: TimelineEntry[] = [];
    let after: string | null | undefined = null;
    do {
      const page: Timeline = await api<Timeline>("GET", `/api/v2/workspaces/${id}/timeline${after ? `?after=${encodeURIComponent(after)}` : ""}`);
      all.push(...page.entries);
      after = page.next_after;
    } while (after);
    entries = all;
    render();
  };
  await load();
  // A new build or agent change re-reads the timeline (the watch sends the workspace after every change).
  return watchWorkspace(id, head, "timeline", () => void load().catch(() => undefined));
}
