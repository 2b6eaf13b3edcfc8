// A browser terminal: xterm.js over a reconnecting PTY session through the server's relay (the session protocol of
// src/Outpost.Sdk/Sessions: one binary frame per WebSocket message, a type byte, a big-endian length, the payload).
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import "@xterm/xterm/css/xterm.css";
import { agentsOf, api, withAgents, Workspace } from "./api";
import { h, replace } from "./dom";
import type { Cleanup } from "./main";
import { watchWorkspace } from "./workspace";

const enum Frame { Header = 1, Opened = 2, Stdin = 3, Stdout = 4, Stderr = 5, Resize = 7, Exit = 9, Close = 10 }

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function frame(type: Frame, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(5 + payload.length);
  bytes[0] = type;
  new DataView(bytes.buffer).setInt32(1, payload.length);
  bytes.set(payload, 5);
  return bytes;
}

function resizeFrame(rows: number, cols: number): Uint8Array {
  const payload = new Uint8Array(4);
  const view = new DataView(payload.buffer);
  view.setUint16(0, rows);
  view.setUint16(2, cols);
  return frame(Frame.Resize, payload);
}

interface SessionClose { reason: string; initiator: string; detail?: string }

export async function terminalPage(app: HTMLElement, id: string): Promise<Cleanup> {
  const head = h("div");
  const status = h("p", { class: "terminal-status", "data-testid": "terminal-status", role: "status" }, "Connecting…");
  const screen = h("div", { class: "terminal", "data-testid": "terminal" });
  replace(app, head, status, screen);

  const workspace = await withAgents(await api<Workspace>("GET", `/api/v2/workspaces/${id}`));
  const stopWatch = watchWorkspace(id, head, "terminal", () => {});
  const agent = agentsOf(workspace)[0];
  if (workspace.status !== "running" || agent === undefined) {
    status.textContent = workspace.status !== "running"
      ? `The workspace is ${workspace.status}: start it to open a terminal.`
      : "The workspace has no agent to open a terminal on.";
    status.className = "terminal-status error";
    return stopWatch;
  }

  const term = new Terminal({ cursorBlink: true, convertEol: false, scrollback: 5000, fontFamily: "monospace" });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(screen);
  fit.fit();

  // The terminal's id survives reloads of this tab: reconnecting replays what was missed.
  const storageKey = `outpost.terminal.${agent.id}`;
  // Without one the agent makes a new terminal and says its id in the opened frame.
  let reconnectId = sessionStorage.getItem(storageKey);
  let socket: WebSocket | null = null;
  let ended = false;
  let attempts = 0;
  let retry: number | undefined;

  const say = (text: string, kind: "" | "error" | "ok" = "") => {
    status.textContent = text;
    status.className = `terminal-status ${kind}`;
  };
  const send = (bytes: Uint8Array) => {
    if (socket?.readyState === WebSocket.OPEN) {
      socket.send(bytes);
    }
  };

  const connect = () => {
    const url = new URL(`/api/v2/workspaceagents/${agent.id}/connect`, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    socket = ws;
    let opened = false;
    ws.addEventListener("open", () => {
      const header = { kind: "pty", rows: term.rows, cols: term.cols, term: "xterm-256color", reconnect_id: reconnectId ?? undefined };
      ws.send(frame(Frame.Header, encoder.encode(JSON.stringify(header))));
    });
    ws.addEventListener("message", (event) => {
      const bytes = new Uint8Array(event.data as ArrayBuffer);
      const payload = bytes.subarray(5);
      switch (bytes[0]) {
        case Frame.Opened: {
          const info = JSON.parse(decoder.decode(payload)) as { reconnect_id?: string; reconnected?: boolean; replayed_bytes?: number };
          opened = true;
          attempts = 0;
          if (info.reconnect_id) {
            reconnectId = info.reconnect_id;
            sessionStorage.setItem(storageKey, reconnectId);
          }
          say(info.reconnected ? `Connected to ${agent.name} (reconnected; ${info.replayed_bytes ?? 0} bytes replayed)` : `Connected to ${agent.name}`, "ok");
          term.focus();
          break;
        }
        case Frame.Stdout:
        case Frame.Stderr:
          term.write(payload.slice());
          break;
        case Frame.Exit:
          ended = true;
          sessionStorage.removeItem(storageKey);
          say("The shell exited. Reload the page for a new terminal.", "error");
          break;
        case Frame.Close: {
          const close = JSON.parse(decoder.decode(payload)) as SessionClose;
          if (close.reason === "workspace_stopped") {
            ended = true;
            sessionStorage.removeItem(storageKey);
            say(`The workspace stopped, so the terminal closed (${close.detail || "stopped"}). Start the workspace to open a new one.`, "error");
            term.write("\r\n\x1b[31m[workspace stopped]\x1b[0m\r\n");
          } else if (close.reason === "graceful" || close.reason === "client_closed") {
            ended = true;
            say(`The session ended: ${close.detail || close.reason}.`, "error");
          } else {
            say(`The session was interrupted (${close.reason}${close.detail ? `: ${close.detail}` : ""}); reconnecting…`, "error");
          }
          break;
        }
      }
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws || ended) {
        return;
      }
      if (!opened && event.code !== 1000 && attempts >= 3) {
        say("The terminal could not be opened: the agent is unreachable. Check the workspace's timeline.", "error");
      }
      // A dropped network, a server restart: reconnect to the same terminal, which replays what was missed.
      attempts += 1;
      const delay = Math.min(500 * 2 ** Math.min(attempts, 4), 8000);
      if (status.textContent?.includes("reconnecting") !== true) {
        say(`Connection lost; reconnecting in ${Math.round(delay / 1000)} s…`, "error");
      }
      retry = window.setTimeout(connect, delay);
    });
  };

  term.onData((data) => send(frame(Frame.Stdin, encoder.encode(data))));
  term.onResize(({ rows, cols }) => send(resizeFrame(rows, cols)));
  const onWindowResize = () => fit.fit();
  window.addEventListener("resize", onWindowResize);
  connect();

  return () => {
    ended = true;
    window.clearTimeout(retry);
    window.removeEventListener("resize", onWindowResize);
    send(frame(Frame.Close, encoder.encode(JSON.stringify({ reason: "client_closed", initiator: "client", detail: "the dashboard left the terminal" }))));
    socket?.close(1000);
    term.dispose();
    stopWatch();
  };
}
