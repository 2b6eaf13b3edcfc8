// The Outpost dashboard: a hash router over a handful of pages (docs/dashboard.md).
import "./style.css";
import { api, ApiError, User, whenSignedOut } from "./api";
import { banner, h, replace } from "./dom";
import { signInPage } from "./signin";
import { createWorkspacePage, workspacesPage } from "./workspaces";
import { workspacePage } from "./workspace";
import { terminalPage } from "./terminal";
import { timelinePage } from "./timeline";
import { templatePage, templatesPage } from "./templates";
import { deploymentPage, seesAdminPages, usersPage } from "./admin";

/** What a page leaves running (event streams, sockets), stopped when the user navigates away. */
export type Cleanup = () => void;

const app = document.getElementById("app")!;
let cleanup: Cleanup | null = null;
let me: User | null = null;

export function navigate(hash: string): void {
  location.hash = hash;
}

whenSignedOut(() => {
  const wasSignedIn = me !== null;
  me = null;
  if (!location.hash.startsWith("#/signin")) {
    if (wasSignedIn) {
      banner("Your session has ended: sign in again.", "error");
    }
    navigate(`#/signin?next=${encodeURIComponent(location.hash || "#/")}`);
  }
});

async function route(): Promise<void> {
  cleanup?.();
  cleanup = null;
  const hash = location.hash || "#/";
  const [path, query] = hash.slice(1).split("?");
  const params = new URLSearchParams(query ?? "");
  if (path === "/signin") {
    renderNav();
    cleanup = await signInPage(app, params.get("next") ?? "#/", (user) => {
      me = user;
      banner(null);
    });
    return;
  }

  if (me === null) {
    try {
      me = await api<User>("GET", "/api/v2/users/me");
    } catch (error) {
      if (error instanceof ApiError && error.problem.status === 401) {
        return;
      }
      throw error;
    }
  }
  renderNav();
  const parts = path.split("/").filter((part) => part.length > 0);
  if (parts.length === 0) {
    cleanup = await workspacesPage(app);
  } else if (parts[0] === "templates" && parts.length === 1) {
    cleanup = await templatesPage(app);
  } else if (parts[0] === "templates" && parts.length === 2) {
    cleanup = await templatePage(app, decodeURIComponent(parts[1]));
  } else if (parts[0] === "users" && parts.length === 1) {
    cleanup = await usersPage(app);
  } else if (parts[0] === "deployment" && parts.length === 1) {
    cleanup = await deploymentPage(app);
  } else if (parts[0] === "create") {
    cleanup = await createWorkspacePage(app);
  } else if (parts[0] === "workspaces" && parts.length === 2) {
    cleanup = await workspacePage(app, parts[1]);
  } else if (parts[0] === "workspaces" && parts[2] === "terminal") {
    cleanup = await terminalPage(app, parts[1]);
  } else if (parts[0] === "workspaces" && parts[2] === "timeline") {
    cleanup = await timelinePage(app, parts[1], params.get("build"), params.get("connection"));
  } else {
    replace(app, h("p", {}, "There is no such page. "), h("a", { href: "#/" }, "Workspaces"));
  }
}

function renderNav(): void {
  const nav = document.getElementById("nav")!;
  if (me === null) {
    replace(nav);
    return;
  }
  replace(nav,
    h("a", { href: "#/" }, "Workspaces"),
    h("a", { href: "#/create" }, "Create workspace"),
    h("a", { href: "#/templates" }, "Templates"),
    seesAdminPages(me) ? h("a", { href: "#/users" }, "Users") : null,
    seesAdminPages(me) ? h("a", { href: "#/deployment" }, "Deployment") : null,
    h("span", { class: "who", "data-testid": "signed-in-user" }, me.username),
    h("button", {
      type: "button", class: "link", "data-testid": "sign-out", onclick: async () => {
        await api("DELETE", "/api/v2/users/browser-session").catch(() => undefined);
        me = null;
        navigate("#/signin");
      },
    }, "Sign out"));
}

function show(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  replace(app, h("p", { class: "error", role: "alert" }, message));
}

window.addEventListener("hashchange", () => route().catch(show));
route().catch(show);
