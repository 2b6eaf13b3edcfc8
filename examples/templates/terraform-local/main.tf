# An Outpost template in Terraform: the workspace is a directory on the provisioner's machine and
# its agent a local process, started by terraform_data + local-exec and stopped when destroyed.
# It needs nothing but terraform itself (the outpost provider is the outpost binary).
terraform {
  required_providers {
    outpost = {
      source = "outpost/outpost"
    }
  }
}

data "outpost_workspace" "me" {}

data "outpost_workspace_owner" "me" {}

data "outpost_parameter" "greeting" {
  name        = "greeting"
  description = "Written to hello.txt by the startup script."
  type        = "string"
  default     = "Hello from Outpost"
  mutable     = true
}

locals {
  # The working directory terraform runs in is the workspace's own; its home lives inside it.
  home = "${abspath(path.root)}/home"
}

resource "outpost_agent" "main" {
  count = data.outpost_workspace.me.start_count
  os    = "linux"
  arch  = "amd64"
  dir   = local.home
  env = {
    EDITOR   = "vi"
    GREETING = data.outpost_parameter.greeting.value
  }
  startup_script  = <<-EOT
    set -eu
    printf '%s\n' "$GREETING" > hello.txt
    env | sort > .env.tmp && mv .env.tmp env.txt
    echo "ready in $(pwd) for ${data.outpost_workspace_owner.me.name}"
  EOT
  shutdown_script = "echo stopping"
}

# Three entries for one variable, merged in address order: SEARCH_PATH=/usr/local/share:/opt/share:/home/share
resource "outpost_env" "search_a" {
  count          = data.outpost_workspace.me.start_count
  agent_id       = outpost_agent.main[0].id
  name           = "SEARCH_PATH"
  value          = "/opt/share"
  merge_strategy = "replace"
}

resource "outpost_env" "search_b" {
  count          = data.outpost_workspace.me.start_count
  agent_id       = outpost_agent.main[0].id
  name           = "SEARCH_PATH"
  value          = "/home/share"
  merge_strategy = "append"
}

resource "outpost_env" "search_c" {
  count          = data.outpost_workspace.me.start_count
  agent_id       = outpost_agent.main[0].id
  name           = "SEARCH_PATH"
  value          = "/usr/local/share"
  merge_strategy = "prepend"
}

# The agent process: started in the background with the agent's init script, stopped on destroy
# (stop and delete builds both destroy it, because start_count is 0 then).
resource "terraform_data" "agent" {
  count = data.outpost_workspace.me.start_count
  input = {
    home    = local.home
    pidfile = "${local.home}/.outpost-agent.pid"
  }

  provisioner "local-exec" {
    command = <<-EOT
      mkdir -p '${self.input.home}'
      cd '${self.input.home}'
      nohup sh -c "$INIT_SCRIPT" > agent.log 2>&1 < /dev/null &
      echo $! > '${self.input.pidfile}'
    EOT
    environment = {
      INIT_SCRIPT = outpost_agent.main[0].init_script
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = <<-EOT
      if [ -f '${self.input.pidfile}' ]; then
        pid=$(cat '${self.input.pidfile}')
        kill "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f '${self.input.pidfile}'
      fi
    EOT
  }
}
