// The server's API as the dashboard calls it: same-origin fetch with the session cookie, the CSRF header on
// every state-changing request, problem details turned into errors that keep their field errors.

export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors: Record<string, string[]>;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.code || `HTTP ${problem.status}`);
  }
}

export const CsrfHeader = "Outpost-Csrf-Token";

/** The CSRF token the server set beside the HttpOnly session cookie. */
export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)outpost_csrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** Called on a 401 from an authenticated call: the session is gone or expired. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export async function api<T>(method: string, path: string, body?: unknown, anonymous = false): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET") {
    headers[CsrfHeader] = csrfToken();
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (response.status === 401 && !anonymous) {
    onSignedOut();
  }
  if (!response.ok) {
    throw new ApiError(await readProblem(response));
  }
  if (response.status === 204) {
    return undefined as T;
  }
  return (await response.json()) as T;
}

async function readProblem(response: Response): Promise<Problem> {
  let json: Record<string, unknown> = {};
  try {
    json = await response.json();
  } catch {
    // Not JSON: the status says enough.
  }
  return {
    status: response.status,
    code: typeof json.code === "string" ? json.code : "",
    detail: typeof json.detail === "string" ? json.detail : (typeof json.title === "string" ? json.title : response.statusText),
    errors: (json.errors as Record<string, string[]>) ?? {},
  };
}

export interface User { id: string; username: string; email: string; role: string; status?: string }
export interface ProvisionerJob { id: string; status: string; error?: string | null }
export interface Build {
  id: string; workspace_id: string; build_number: number; transition: string; reason: string;
  job: ProvisionerJob; status: string; created_at: string; template_version_id: string;
}
export interface Agent {
  id: string; name: string; lifecycle_state: string; status?: string | null; resource_name: string;
  last_connected_at?: string | null; disconnected_at?: string | null; version?: string;
}
export interface Workspace {
  id: string; name: string; owner_name: string; template_id: string; template_name: string; status: string;
  latest_build: Build; created_at: string; updated_at: string; resources?: { name: string; agents: Agent[] }[] | null;
}
export interface Template { id: string; name: string; description: string; active_version_id?: string | null }
export interface TemplateParameter { name: string; type: string; description: string; default_value?: string | null; options: string[] }
export interface TemplatePreset { name: string; parameters?: { name: string; value: string }[] }
export interface TemplateVersion {
  id: string; name: string; parameters: TemplateParameter[]; presets?: TemplatePreset[];
  job: ProvisionerJob; active: boolean; created_at: string;
}
export interface BuildUpdate {
  workspace_id: string; workspace_name: string; owner_id: string; build_id: string; build_number: number; transition: string; job_status: string;
}
export interface Connection {
  id: string; type: string; agent_name?: string | null; username?: string | null; started_at: string; ended_at?: string | null;
  exit_code?: number | null; disconnect_reason?: string | null; disconnect_expected?: boolean | null; disconnect_detail?: string | null;
}
export interface ConnectionPage { connections: Connection[]; next_after?: string | null }
export interface AgentUpdate { workspace_id: string; agent_id: string; agent_name: string; change: string; lifecycle_state?: string | null }
export interface TimelineEntry {
  time: string; source: string; kind: string; build_number?: number | null; agent?: string | null; trace_id?: string | null;
  fields: Record<string, string>;
}
export interface Timeline { workspace_id: string; entries: TimelineEntry[]; next_after?: string | null }

export const agentsOf = (workspace: Workspace): Agent[] => (workspace.resources ?? []).flatMap((resource) => resource.agents);

/** The workspace with its latest build's agents (GET /api/v2/workspaces/{id} has none; the watch stream has them). */
export async function withAgents(workspace: Workspace): Promise<Workspace> {
  const agents = await api<Agent[]>("GET", `/api/v2/workspaces/${workspace.id}/agents`);
  return { ...workspace, resources: [{ name: "", agents }] };
}
