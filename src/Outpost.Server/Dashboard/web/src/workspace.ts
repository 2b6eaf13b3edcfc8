// One workspace: its actions, agents, builds and the selected build's live logs.
import { agentsOf, api, ApiError, Build, ConnectionPage, Template, withAgents, Workspace } from "./api";
import { append, confirmAction, h, replace, when } from "./dom";
import type { Cleanup } from "./main";
import { watch } from "./stream";
import { statusBadge } from "./workspaces";

/** Workspaces whose restart has queued its stop build; their start build is queued once the watch shows them stopped. */
const restarting = new Set<string>();

/** The second half of a restart: called with every state the watch delivers. */
function continueRestart(workspace: Workspace, onError: (message: string) => void): void {
  if (!restarting.has(workspace.id)) {
    return;
  }
  if (workspace.status === "stopped") {
    restarting.delete(workspace.id);
    void api("POST", `/api/v2/workspaces/${workspace.id}/builds`, { transition: "start" })
      .catch((failure) => onError(`The restart stopped the workspace but could not start it: ${failure instanceof ApiError ? failure.problem.detail : String(failure)}`));
  } else if (workspace.status === "failed") {
    restarting.delete(workspace.id);
    onError("The restart's stop build failed; the workspace was not started again. Its logs say why.");
  }
}

/** The head every workspace page shares: name, status, actions, and the page links. */
export function workspaceHead(workspace: Workspace, current: "overview" | "terminal" | "timeline", onError: (message: string) => void, activeVersion: string | null = null): HTMLElement {
  const transition = async (name: "start" | "stop" | "delete" | "restart" | "update", question: string | null) => {
    if (question !== null && !(await confirmAction(question, name[0].toUpperCase() + name.slice(1)))) {
      return;
    }
    try {
      // An update is a start build on the template's active version, as `outpost update` queues it.
      await api("POST", `/api/v2/workspaces/${workspace.id}/builds`, name === "update"
        ? { transition: "start", template_version_id: activeVersion }
        : { transition: name === "restart" ? "stop" : name });
      if (name === "restart") {
        restarting.add(workspace.id);
      }
      onError("");
      if (name === "delete") {
        location.hash = "#/";
      }
    } catch (failure) {
      onError(failure instanceof ApiError ? failure.problem.detail : String(failure));
    }
  };
  const busy = ["pending", "starting", "stopping", "deleting"].includes(workspace.status);
  const stopped = workspace.status === "stopped" || workspace.status === "failed";
  const outdated = activeVersion !== null && activeVersion !== workspace.latest_build.template_version_id;
  const link = (page: typeof current, label: string, href: string) =>
    page === current ? h("span", { class: "tab current" }, label) : h("a", { class: "tab", href }, label);
  return h("div", { class: "workspace-head" },
    h("div", { class: "page-head" },
      h("h1", {}, workspace.name, " ", statusBadge(workspace.status)),
      h("div", { class: "actions" },
        h("button", { type: "button", disabled: busy || !stopped, onclick: () => void transition("start", null) }, "Start"),
        h("button", { type: "button", disabled: busy || stopped, onclick: () => void transition("stop", `Stop ${workspace.name}? Open terminals will close.`) }, "Stop"),
        h("button", { type: "button", disabled: busy || stopped, onclick: () => void transition("restart", `Restart ${workspace.name}? It stops (open terminals close), then starts again.`) }, "Restart"),
        outdated
          ? h("button", { type: "button", disabled: busy, title: "A newer version of the template is active", onclick: () => void transition("update", `Update ${workspace.name} to ${workspace.template_name}'s active version? It is rebuilt (open terminals may close).`) }, "Update")
          : null,
        h("button", { type: "button", class: "danger", disabled: busy, onclick: () => void transition("delete", `Delete ${workspace.name} and everything in it? This cannot be undone.`) }, "Delete"))),
    h("nav", { class: "tabs" },
      link("overview", "Overview", `#/workspaces/${workspace.id}`),
      link("terminal", "Terminal", `#/workspaces/${workspace.id}/terminal`),
      link("timeline", "Timeline", `#/workspaces/${workspace.id}/timeline`)));
}

/** Keeps a workspace page's head current over the workspace's watch stream. */
export function watchWorkspace(id: string, head: HTMLElement, current: "overview" | "terminal" | "timeline", changed: (workspace: Workspace) => void): () => void {
  const error = h("p", { class: "error", role: "alert" });
  // The template's active version, to offer an update: read when the page opens and after each change of the workspace.
  let activeVersion: string | null = null;
  let latest: Workspace | null = null;
  const onError = (message: string) => { error.textContent = message; };
  const render = (workspace: Workspace) => {
    latest = workspace;
    replace(head, workspaceHead(workspace, current, onError, activeVersion), error);
    continueRestart(workspace, onError);
    changed(workspace);
    void api<Template>("GET", `/api/v2/templates/${workspace.template_id}`).then((template) => {
      const active = template.active_version_id ?? null;
      if (active !== activeVersion && latest !== null) {
        activeVersion = active;
        replace(head, workspaceHead(latest, current, onError, activeVersion), error);
      }
    }).catch(() => undefined);
  };
  return watch(`/api/v2/workspaces/${id}/watch`, {
    resync: () => void api<Workspace>("GET", `/api/v2/workspaces/${id}`).then(withAgents).then(render).catch(() => undefined),
    events: { message: (data) => render(JSON.parse(data) as Workspace) },
  });
}

export async function workspacePage(app: HTMLElement, id: string): Promise<Cleanup> {
  const head = h("div");
  const agents = h("div", { class: "card", "data-testid": "agents" });
  const builds = h("tbody");
  const connections = h("tbody");
  const logTitle = h("h2", {}, "Build logs");
  const logs = h("pre", { class: "logs", "data-testid": "build-logs" });
  replace(app, head,
    h("section", {}, h("h2", {}, "Agents"), agents),
    h("section", {}, h("h2", {}, "Builds"), h("table", { class: "list", "data-testid": "builds" },
      h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Transition"), h("th", {}, "Status"), h("th", {}, "Reason"), h("th", {}, "Queued"), h("th", {}))), builds)),
    h("section", {}, logTitle, logs),
    h("section", {}, h("h2", {}, "Connections"), h("table", { class: "list", "data-testid": "connections" },
      h("thead", {}, h("tr", {}, h("th", {}, "Type"), h("th", {}, "Agent"), h("th", {}, "User"), h("th", {}, "Started"), h("th", {}, "Ended"), h("th", {}, "Reason"), h("th", {}))), connections)));

  // The workspace's connection log, newest first: control-plane connections and sessions with how each ended.
  const loadConnections = async () => {
    const page = await api<ConnectionPage>("GET", `/api/v2/connections?workspace=${id}&limit=50`);
    replace(connections, ...(page.connections.length === 0
      ? [h("tr", {}, h("td", { colspan: "7", class: "muted" }, "No connections yet."))]
      : page.connections.map((c) => h("tr", { "data-connection": c.id, class: c.disconnect_expected === false ? "incident" : "" },
        h("td", {}, c.type), h("td", {}, c.agent_name ?? ""), h("td", {}, c.username ?? ""), h("td", {}, when(c.started_at)),
        h("td", {}, c.ended_at ? when(c.ended_at) : "open"),
        h("td", { "data-testid": "connection-reason" }, c.disconnect_reason ?? "", c.disconnect_reason && c.disconnect_expected === false ? " (unexpected)" : "",
          c.disconnect_detail ? ` — ${c.disconnect_detail}` : ""),
        h("td", {}, c.ended_at ? h("a", { href: `#/workspaces/${id}/timeline?connection=${c.id}` }, "In the timeline") : null)))));
  };

  let followed: EventSource | null = null;
  let followedBuild = "";
  const follow = (build: Build) => {
    if (followedBuild === build.id) {
      return;
    }
    followed?.close();
    followedBuild = build.id;
    logTitle.textContent = `Build #${build.build_number} logs (${build.transition})`;
    replace(logs);
    followed = new EventSource(`/api/v2/workspacebuilds/${build.id}/logs?follow=true`, { withCredentials: true });
    followed.addEventListener("message", (event) => {
      const line = JSON.parse((event as MessageEvent<string>).data) as { stage?: string; output: string; level: string };
      append(logs, h("span", { class: `log-${line.level}` }, `${line.stage ? `[${line.stage}] ` : ""}${line.output}\n`));
      logs.scrollTop = logs.scrollHeight;
    });
    followed.addEventListener("end", () => followed?.close());
  };

  let latest = "";
  const loadBuilds = async (workspace: Workspace) => {
    const key = `${workspace.latest_build.id}:${workspace.latest_build.job.status}`;
    if (key === latest) {
      return;
    }
    latest = key;
    const list = await api<Build[]>("GET", `/api/v2/workspaces/${id}/builds`);
    replace(builds, ...list.map((build) => h("tr", {},
      h("td", {}, String(build.build_number)), h("td", {}, build.transition), h("td", {}, build.job.status, build.job.error ? ` — ${build.job.error}` : ""),
      h("td", {}, build.reason), h("td", {}, when(build.created_at)),
      h("td", {},
        h("button", { type: "button", class: "link", onclick: () => follow(build) }, "Logs"), " ",
        build.job.status === "failed" ? h("a", { href: `#/workspaces/${id}/timeline?build=${build.build_number}` }, "In the timeline") : null))));
    follow(workspace.latest_build);
  };

  const renderAgents = (workspace: Workspace) => {
    const list = agentsOf(workspace);
    replace(agents, list.length === 0
      ? h("p", { class: "muted" }, workspace.status === "running" ? "This workspace has no agents." : "Agents appear once the workspace runs.")
      : h("table", { class: "list" },
        h("thead", {}, h("tr", {}, h("th", {}, "Agent"), h("th", {}, "Connection"), h("th", {}, "Lifecycle"), h("th", {}, "Last connected"), h("th", {}, "Version"))),
        h("tbody", {}, ...list.map((agent) => h("tr", { "data-agent": agent.name },
          h("td", {}, `${agent.resource_name}.${agent.name}`), h("td", { "data-testid": "agent-status" }, agent.status ?? "unknown"),
          h("td", { "data-testid": "agent-lifecycle" }, agent.lifecycle_state), h("td", {}, when(agent.last_connected_at)), h("td", {}, agent.version ?? ""))))));
  };

  const stop = watchWorkspace(id, head, "overview", (workspace) => {
    renderAgents(workspace);
    void loadBuilds(workspace);
    void loadConnections().catch(() => undefined);
  });
  return () => {
    stop();
    followed?.close();
  };
}
