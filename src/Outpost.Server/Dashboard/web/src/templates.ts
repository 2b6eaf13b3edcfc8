// Templates: the list, and one template's versions with their import logs and activation (docs/dashboard.md).
import { api, ApiError, Template, TemplateVersion } from "./api";
import { confirmAction, h, replace, when } from "./dom";
import type { Cleanup } from "./main";

interface JobLog { stage?: string; output: string; level: string }

export async function templatesPage(app: HTMLElement): Promise<Cleanup> {
  const templates = await api<Template[]>("GET", "/api/v2/templates");
  replace(app,
    h("div", { class: "page-head" }, h("h1", {}, "Templates")),
    templates.length === 0
      ? h("p", { class: "muted" }, "No templates yet: push one with outpost templates push NAME --directory DIR.")
      : h("table", { class: "list", "data-testid": "templates" },
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Description"), h("th", {}, "Active version"))),
        h("tbody", {}, ...templates.map((template) => h("tr", { "data-template": template.name },
          h("td", {}, h("a", { href: `#/templates/${encodeURIComponent(template.name)}` }, template.name)),
          h("td", {}, template.description),
          h("td", {}, template.active_version_id ? "yes" : h("span", { class: "muted" }, "none: no version imported successfully yet")))))));
  return () => undefined;
}

export async function templatePage(app: HTMLElement, name: string): Promise<Cleanup> {
  const error = h("p", { class: "error", role: "alert" });
  const versions = h("tbody");
  const logTitle = h("h2", {}, "Import logs");
  const logs = h("pre", { class: "logs", "data-testid": "import-logs" });
  replace(app,
    h("div", { class: "page-head" }, h("h1", {}, name)),
    error,
    h("section", {}, h("h2", {}, "Versions"), h("table", { class: "list", "data-testid": "versions" },
      h("thead", {}, h("tr", {}, h("th", {}, "Version"), h("th", {}, "Created"), h("th", {}, "Import"), h("th", {}, ""), h("th", {}))), versions)),
    h("section", {}, logTitle, logs));

  const showLogs = async (version: TemplateVersion) => {
    logTitle.textContent = `Import logs of ${version.name}`;
    const lines = await api<JobLog[]>("GET", `/api/v2/templateversions/${version.id}/logs`);
    replace(logs, ...(lines.length === 0
      ? [h("span", { class: "muted" }, "No log lines.")]
      : lines.map((line) => h("span", { class: `log-${line.level}` }, `${line.stage ? `[${line.stage}] ` : ""}${line.output}\n`))));
  };

  const activate = async (version: TemplateVersion) => {
    if (!(await confirmAction(`Make ${version.name} the active version of ${name}? New workspaces and updates use it.`, "Activate"))) {
      return;
    }
    try {
      await api("PATCH", `/api/v2/templates/${encodeURIComponent(name)}`, { active_version_id: version.id });
      error.textContent = "";
      await load();
    } catch (failure) {
      error.textContent = failure instanceof ApiError ? failure.problem.detail : String(failure);
    }
  };

  const load = async () => {
    const list = await api<TemplateVersion[]>("GET", `/api/v2/templates/${encodeURIComponent(name)}/versions`);
    const newestFirst = [...list].sort((a, b) => b.created_at.localeCompare(a.created_at));
    replace(versions, ...newestFirst.map((version) => h("tr", { "data-version": version.name },
      h("td", {}, version.name, version.active ? " " : "", version.active ? h("span", { class: "status status-running", "data-testid": "active-version" }, "active") : null),
      h("td", {}, when(version.created_at)),
      h("td", { "data-testid": "import-status" }, version.job.status, version.job.error ? ` — ${version.job.error}` : ""),
      h("td", {}, h("button", { type: "button", class: "link", onclick: () => void showLogs(version).catch((failure) => { error.textContent = String(failure); }) }, "Logs")),
      h("td", {}, !version.active && version.job.status === "succeeded"
        ? h("button", { type: "button", onclick: () => void activate(version) }, "Activate")
        : null))));
    const shown = newestFirst.find((version) => version.active) ?? newestFirst[0];
    if (shown !== undefined) {
      await showLogs(shown);
    }
  };
  await load();
  return () => undefined;
}
