// Form fields that show the server's field errors beside themselves.
import { Problem } from "./api";
import { h } from "./dom";

export interface Field {
  name: string;
  row: HTMLElement;
  input: HTMLInputElement | HTMLSelectElement;
  error: HTMLElement;
}

export function formField(name: string, label: string, type: string, value = "", options: string[] = []): Field {
  const id = `field-${name}`;
  const input = options.length > 0
    ? h("select", { id, name }, ...options.map((option) => h("option", { value: option, selected: option === value }, option)))
    : h("input", { id, name, type, value, autocomplete: type === "password" ? "current-password" : "on" });
  const error = h("span", { class: "field-error", id: `${id}-error`, "data-testid": `${name}-error` });
  const row = h("div", { class: "field" }, h("label", { for: id }, label), input, error);
  return { name, row, input, error };
}

/**
 * Puts a problem's errors beside the fields they name: the `errors` of a validation problem by field name,
 * else each `; `-separated part of the detail that starts with or names a field; what is left goes under the form.
 */
export function fieldErrors(fields: Field[], formError: HTMLElement, problem: Problem | null, failure?: unknown): void {
  for (const field of fields) {
    field.error.textContent = "";
    field.row.classList.remove("invalid");
  }
  formError.textContent = "";
  if (problem === null) {
    if (failure !== undefined) {
      formError.textContent = failure instanceof Error ? failure.message : String(failure);
    }
    return;
  }

  const unplaced: string[] = [];
  const place = (key: string, message: string): boolean => {
    const field = fields.find((f) => f.name.toLowerCase() === key.toLowerCase() || `parameters.${f.name}` === key || `parameter ${f.name}` === key);
    if (!field) {
      return false;
    }
    field.error.textContent = field.error.textContent ? `${field.error.textContent}; ${message}` : message;
    field.row.classList.add("invalid");
    return true;
  };
  for (const [key, messages] of Object.entries(problem.errors)) {
    for (const message of messages) {
      if (!place(key, message)) {
        unplaced.push(`${key}: ${message}`);
      }
    }
  }
  // Only a 400 is about the input; a refused sign-in (401) or a busy workspace (409) is about the whole form.
  if (Object.keys(problem.errors).length === 0 && problem.status === 400) {
    for (const part of problem.detail.split("; ")) {
      // The field a message names: as its subject ("name: …"), quoted, or as a word ("the workspace name … is not valid").
      const named = fields.find((f) => part.startsWith(`${f.name}:`) || part.includes(`"${f.name}"`))
        ?? fields.find((f) => new RegExp(`(^|[^\\w-])${f.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^\\w-])`).test(part));
      if (!named || !place(named.name, part)) {
        unplaced.push(part);
      }
    }
  }
  if (Object.keys(problem.errors).length === 0 && problem.status !== 400) {
    unplaced.push(problem.detail);
  }
  formError.textContent = unplaced.join("; ");
}
