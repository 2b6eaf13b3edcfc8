// The workspaces list (live over the watch-all stream) and the create form.
import { agentsOf, api, ApiError, AgentUpdate, BuildUpdate, Template, TemplateVersion, withAgents, Workspace } from "./api";
import { h, replace, when } from "./dom";
import { Field, fieldErrors, formField } from "./forms";
import type { Cleanup } from "./main";
import { watch } from "./stream";

export function statusBadge(status: string): HTMLElement {
  return h("span", { class: `status status-${status}`, "data-testid": "workspace-status" }, status);
}

export function agentSummary(workspace: Workspace): string {
  const agents = agentsOf(workspace);
  if (agents.length === 0) {
    return workspace.status === "running" ? "no agents" : "—";
  }
  return agents.map((agent) => `${agent.name}: ${agent.status ?? "?"}, ${agent.lifecycle_state}`).join("; ");
}

export async function workspacesPage(app: HTMLElement): Promise<Cleanup> {
  const body = h("tbody");
  const table = h("table", { class: "list", "data-testid": "workspaces" },
    h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Status"), h("th", {}, "Template"), h("th", {}, "Last build"), h("th", {}, "Agents"))),
    body);
  const empty = h("p", { class: "muted" }, "No workspaces yet. ", h("a", { href: "#/create" }, "Create one"), ".");
  replace(app, h("div", { class: "page-head" }, h("h1", {}, "Workspaces"), h("a", { class: "button", href: "#/create" }, "Create workspace")), table, empty);
  const rows = new Map<string, HTMLTableRowElement>();

  const render = (workspace: Workspace) => {
    const build = workspace.latest_build;
    const row = h("tr", { "data-workspace": workspace.name },
      h("td", {}, h("a", { href: `#/workspaces/${workspace.id}` }, workspace.name)),
      h("td", {}, statusBadge(workspace.status)),
      h("td", {}, workspace.template_name),
      h("td", {}, `#${build.build_number} ${build.transition} (${build.job.status}) ${when(build.created_at)}`),
      h("td", { class: "agents" }, agentSummary(workspace)));
    const existing = rows.get(workspace.id);
    if (existing) {
      existing.replaceWith(row);
    } else {
      body.appendChild(row);
    }
    rows.set(workspace.id, row);
    empty.hidden = rows.size > 0;
  };
  const refresh = async (id: string) => {
    try {
      render(await withAgents(await api<Workspace>("GET", `/api/v2/workspaces/${id}`)));
    } catch (error) {
      if (error instanceof ApiError && error.problem.status === 404) {
        rows.get(id)?.remove();
        rows.delete(id);
        empty.hidden = rows.size > 0;
      }
    }
  };
  const resync = async () => {
    const list = await api<{ workspaces: Workspace[] }>("GET", "/api/v2/workspaces");
    for (const [id, row] of rows) {
      if (!list.workspaces.some((w) => w.id === id)) {
        row.remove();
        rows.delete(id);
      }
    }
    (await Promise.all(list.workspaces.map(withAgents))).forEach(render);
    empty.hidden = rows.size > 0;
  };
  await resync();
  return watch("/api/v2/workspaces/watch-all", {
    resync: () => void resync(),
    events: {
      message: (data) => void refresh((JSON.parse(data) as BuildUpdate).workspace_id),
      agent: (data) => void refresh((JSON.parse(data) as AgentUpdate).workspace_id),
    },
  });
}

export async function createWorkspacePage(app: HTMLElement): Promise<Cleanup> {
  const templates = await api<Template[]>("GET", "/api/v2/templates");
  const usable = templates.filter((t) => t.active_version_id);
  if (usable.length === 0) {
    replace(app, h("h1", {}, "Create a workspace"), h("p", {}, "There is no template with an active version yet: push one with `outpost templates push`."));
    return () => {};
  }
  const name = formField("name", "Name", "text");
  const template = formField("template", "Template", "text", usable[0].name, usable.map((t) => t.name));
  const preset = formField("preset", "Preset", "text", "", [""]);
  const parameterBox = h("fieldset", { class: "parameters" });
  const error = h("p", { class: "error", role: "alert", "data-testid": "form-error" });
  let parameterFields: Field[] = [];
  let version: TemplateVersion | null = null;

  const loadParameters = async () => {
    const chosen = usable.find((t) => t.name === template.input.value)!;
    version = await api<TemplateVersion>("GET", `/api/v2/templateversions/${chosen.active_version_id}`);
    parameterFields = version.parameters.map((p) =>
      formField(p.name, p.description ? `${p.name} — ${p.description}` : p.name, p.type === "number" ? "number" : "text", p.default_value ?? "", p.options));
    replace(parameterBox, h("legend", {}, "Parameters"), ...(parameterFields.length ? parameterFields.map((f) => f.row) : [h("p", { class: "muted" }, "This template has no parameters.")]));
    const presets = version.presets ?? [];
    replace(preset.input, h("option", { value: "" }, "(none)"), ...presets.map((p) => h("option", { value: p.name }, p.name)));
    preset.row.hidden = presets.length === 0;
  };
  template.input.addEventListener("change", () => void loadParameters());
  await loadParameters();

  const form = h("form", { class: "card", "data-testid": "create-form" },
    h("h1", {}, "Create a workspace"), name.row, template.row, preset.row, parameterBox, error,
    h("button", { type: "submit" }, "Create workspace"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const all = [name, template, preset, ...parameterFields];
    fieldErrors(all, error, null);
    try {
      const created = await api<Workspace>("POST", "/api/v2/workspaces", {
        name: name.input.value,
        template_name: template.input.value,
        preset: preset.input.value || undefined,
        parameters: parameterFields.filter((f) => f.input.value !== "").map((f) => ({ name: f.name, value: f.input.value })),
      });
      location.hash = `#/workspaces/${created.id}`;
    } catch (failure) {
      fieldErrors(all, error, failure instanceof ApiError ? failure.problem : null, failure);
    }
  });
  replace(app, form);
  return () => {};
}
