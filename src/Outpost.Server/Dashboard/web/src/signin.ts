// Sign-in, and first-user setup while the deployment has no user.
import { api, ApiError, User } from "./api";
import { h, replace } from "./dom";
import { fieldErrors, formField } from "./forms";
import type { Cleanup } from "./main";

export async function signInPage(app: HTMLElement, next: string, signedIn: (user: User) => void): Promise<Cleanup> {
  const firstExists = await fetch("/api/v2/users/first", { credentials: "same-origin" }).then((r) => r.status !== 404);
  const setup = !firstExists;
  const email = formField("email", "Email", "email");
  const username = formField("username", "Username", "text");
  const password = formField("password", "Password", "password");
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "card narrow", "data-testid": setup ? "setup-form" : "signin-form" },
    h("h1", {}, setup ? "Create the first user" : "Sign in to Outpost"),
    setup ? h("p", {}, "This deployment has no users yet. The first user becomes its owner.") : null,
    email.row, setup ? username.row : null, password.row, error,
    h("button", { type: "submit" }, setup ? "Create owner and sign in" : "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    fieldErrors([email, username, password], error, null);
    try {
      if (setup) {
        await api("POST", "/api/v2/users/first", { email: email.input.value, username: username.input.value, password: password.input.value }, true);
      }
      const user = await api<User>("POST", "/api/v2/users/browser-session", { email: email.input.value, password: password.input.value }, true);
      signedIn(user);
      location.hash = next.startsWith("#/signin") ? "#/" : next;
    } catch (failure) {
      fieldErrors([email, username, password], error, failure instanceof ApiError ? failure.problem : null, failure);
    }
  });
  replace(app, form);
  return () => {};
}
