// The owner's pages: users (list and create) and the deployment's health with its provisioner daemons (docs/dashboard.md).
import { api, ApiError, User } from "./api";
import { h, replace, when } from "./dom";
import { fieldErrors, formField } from "./forms";
import type { Cleanup } from "./main";

interface ComponentHealth { healthy: boolean; latency_ms?: number | null; error?: string | null }
interface DaemonStatus { name: string; key_name: string; provisioners: string[]; first_seen_at: string; last_seen_at: string; in_contact: boolean }
interface WaitingJobs { provisioner: string; count: number; oldest_queued_at: string; daemons_in_contact: number }
interface DeploymentHealth {
  time: string; version: string; commit: string; access_url: string; access_url_configured: boolean;
  database: ComponentHealth; pubsub: ComponentHealth; daemon_contact_window_seconds: number;
  provisioner_daemons: DaemonStatus[]; waiting_jobs: WaitingJobs[];
}

/** Whether the signed-in user may see the owner's pages (the server decides each request; this only hides links). */
export const seesAdminPages = (user: User): boolean => user.role === "owner" || user.role === "admin";

const component = (name: string, health: ComponentHealth) => h("tr", { "data-component": name },
  h("td", {}, name),
  h("td", { "data-testid": `${name}-health` }, health.healthy ? "healthy" : "unhealthy"),
  h("td", {}, health.latency_ms !== undefined && health.latency_ms !== null ? `${health.latency_ms.toFixed(1)} ms` : ""),
  h("td", {}, health.error ?? ""));

export async function deploymentPage(app: HTMLElement): Promise<Cleanup> {
  const health = await api<DeploymentHealth>("GET", "/api/v2/deployment/health");
  replace(app,
    h("div", { class: "page-head" }, h("h1", {}, "Deployment"),
      h("span", { class: "muted" }, `Outpost ${health.version} (${health.commit}) at ${health.access_url}${health.access_url_configured ? "" : " (access URL not configured: taken from this request)"}; read ${when(health.time)}`)),
    h("section", {}, h("h2", {}, "Health"), h("table", { class: "list", "data-testid": "health" },
      h("thead", {}, h("tr", {}, h("th", {}, "Component"), h("th", {}, "State"), h("th", {}, "Latency"), h("th", {}, "Error"))),
      h("tbody", {}, component("database", health.database), component("pubsub", health.pubsub)))),
    h("section", {}, h("h2", {}, "Provisioner daemons"),
      h("p", { class: "muted" }, `In contact: heard from within ${health.daemon_contact_window_seconds} s.`),
      h("table", { class: "list", "data-testid": "daemons" },
        h("thead", {}, h("tr", {}, h("th", {}, "Daemon"), h("th", {}, "Key"), h("th", {}, "Provisioners"), h("th", {}, "First seen"), h("th", {}, "Last contact"), h("th", {}, "State"))),
        h("tbody", {}, ...(health.provisioner_daemons.length === 0
          ? [h("tr", {}, h("td", { colspan: "6", class: "muted" }, "No daemon has contacted this deployment."))]
          : health.provisioner_daemons.map((daemon) => h("tr", { "data-daemon": daemon.name, class: daemon.in_contact ? "" : "incident" },
            h("td", {}, daemon.name), h("td", {}, daemon.key_name), h("td", {}, daemon.provisioners.join(", ")),
            h("td", {}, when(daemon.first_seen_at)), h("td", {}, when(daemon.last_seen_at)),
            h("td", { "data-testid": "daemon-state" }, daemon.in_contact ? "in contact" : "silent"))))))),
    h("section", {}, h("h2", {}, "Waiting jobs"), health.waiting_jobs.length === 0
      ? h("p", { class: "muted", "data-testid": "waiting-jobs" }, "No job is waiting for a daemon.")
      : h("ul", { "data-testid": "waiting-jobs" }, ...health.waiting_jobs.map((waiting) => h("li", { class: waiting.daemons_in_contact === 0 ? "error" : "" },
        `${waiting.count} ${waiting.provisioner} job(s) waiting since ${when(waiting.oldest_queued_at)}; `,
        waiting.daemons_in_contact === 0 ? `no daemon in contact serves ${waiting.provisioner}` : `${waiting.daemons_in_contact} daemon(s) in contact serve it`)))));
  return () => undefined;
}

export async function usersPage(app: HTMLElement): Promise<Cleanup> {
  const list = h("tbody");
  const email = formField("email", "Email", "email");
  const username = formField("username", "Username", "text");
  const password = formField("password", "Password", "password");
  const role = formField("role", "Role", "text", "member", ["member", "template-admin", "admin"]);
  password.input.setAttribute("autocomplete", "new-password");
  const fields = [email, username, password, role];
  const error = h("p", { class: "error", role: "alert" });
  const done = h("p", { class: "muted", "data-testid": "user-created" });
  const form = h("form", { class: "card", "data-testid": "create-user-form" }, ...fields.map((field) => field.row), error, done,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Create user")));

  const load = async () => {
    const users = await api<User[]>("GET", "/api/v2/users");
    replace(list, ...users.map((user) => h("tr", { "data-user": user.username },
      h("td", {}, user.username), h("td", {}, user.email), h("td", { "data-testid": "user-role" }, user.role), h("td", {}, user.status ?? ""))));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    fieldErrors(fields, error, null);
    done.textContent = "";
    void api<User>("POST", "/api/v2/users", {
      email: email.input.value, username: username.input.value, password: password.input.value, role: role.input.value,
    }).then(async (created) => {
      done.textContent = `Created ${created.username} (${created.role}).`;
      (form as HTMLFormElement).reset();
      await load();
    }).catch((failure) => fieldErrors(fields, error, failure instanceof ApiError ? failure.problem : null, failure));
  });

  replace(app,
    h("div", { class: "page-head" }, h("h1", {}, "Users")),
    h("table", { class: "list", "data-testid": "users" },
      h("thead", {}, h("tr", {}, h("th", {}, "Username"), h("th", {}, "Email"), h("th", {}, "Role"), h("th", {}, "Status"))), list),
    h("section", {}, h("h2", {}, "Create a user"), form));
  await load();
  return () => undefined;
}
