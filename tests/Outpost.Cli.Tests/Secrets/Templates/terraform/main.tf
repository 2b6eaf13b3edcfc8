# The secrets end-to-end test's Terraform template: outpost_secret reads the canary at plan time;
# local-exec hands it to the agent process (its environment, which scripts inherit) and writes the
# file 0600; outpost_agent.env carries it too, which the server stores only encrypted and delivers
# in the agent's manifest.
terraform {
  required_providers {
    outpost = {
      source = "outpost/outpost"
    }
  }
}

data "outpost_workspace" "me" {}

data "outpost_secret" "token" {
  env          = "CANARY_TOKEN"
  help_message = "outpost secrets create canary --env CANARY_TOKEN"
}

data "outpost_secret" "file" {
  file         = "~/.canary/file"
  help_message = "outpost secrets create canary --file ~/.canary/file"
}

locals {
  home = "${abspath(path.root)}/home"
}

resource "outpost_agent" "main" {
  count          = data.outpost_workspace.me.start_count
  os             = "linux"
  arch           = "amd64"
  dir            = local.home
  env = {
    CANARY_FROM_MANIFEST = data.outpost_secret.token.value
  }
  startup_script = <<-EOT
    set -eu
    umask 077
    printf '%s' "$CANARY_FROM_MANIFEST" > .env-manifest.tmp && mv .env-manifest.tmp env-manifest.txt
    printf '%s' "$CANARY_TOKEN" > .env-secret.tmp && mv .env-secret.tmp env-secret.txt
  EOT
}

resource "terraform_data" "agent" {
  count = data.outpost_workspace.me.start_count
  input = {
    home    = local.home
    pidfile = "${local.home}/.outpost-agent.pid"
  }

  provisioner "local-exec" {
    command = <<-EOT
      umask 077
      mkdir -p '${self.input.home}/.canary'
      printf '%s' "$FILE_SECRET" > '${self.input.home}/.canary/file'
      cd '${self.input.home}'
      nohup sh -c "$INIT_SCRIPT" > agent.log 2>&1 < /dev/null &
      echo $! > '${self.input.pidfile}'
    EOT
    environment = {
      INIT_SCRIPT  = outpost_agent.main[0].init_script
      CANARY_TOKEN = data.outpost_secret.token.value
      FILE_SECRET  = data.outpost_secret.file.value
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
