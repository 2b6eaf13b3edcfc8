# An Outpost template in Terraform whose workspace is a podman container on the provisioner
# daemon's machine: the container runs the agent, its home directory is a named volume that
# outlives stop/start, and a delete removes both. It needs terraform and podman on the daemon's
# machine and no Terraform provider but outpost (podman is driven through local-exec).
terraform {
  required_providers {
    outpost = {
      source = "outpost/outpost"
    }
  }
}

data "outpost_workspace" "me" {}

data "outpost_workspace_owner" "me" {}

data "outpost_parameter" "image" {
  name         = "image"
  display_name = "Container image"
  description  = "The image the workspace runs in; it needs /bin/sh."
  type         = "string"
  default      = "docker.io/library/debian:bookworm-slim"
  mutable      = true
}

data "outpost_workspace_preset" "debian" {
  name       = "debian"
  default    = true
  parameters = { image = "docker.io/library/debian:bookworm-slim" }
}

locals {
  container = "outpost-${data.outpost_workspace.me.id}"
  volume    = "outpost-home-${data.outpost_workspace.me.id}"
  # The agent's init script runs the outpost command of the daemon's machine (the .NET runtime and
  # the outpost install). They are mounted read-only at the same paths; edit the list to match the
  # machines your terraform daemons run on, or use an image that has them at those paths.
  agent_mounts = ["/usr/share/dotnet", "/opt/outpost"]
}

resource "outpost_agent" "main" {
  count = data.outpost_workspace.me.start_count
  os    = "linux"
  arch  = "amd64"
  dir   = "/home/outpost"
  env = {
    WORKSPACE_OWNER = data.outpost_workspace_owner.me.name
  }
  startup_script = <<-EOT
    set -eu
    echo "ready in $(pwd) (image ${data.outpost_parameter.image.value})"
  EOT
}

resource "outpost_env" "path" {
  count          = data.outpost_workspace.me.start_count
  agent_id       = outpost_agent.main[0].id
  name           = "PATH"
  value          = "/home/outpost/.local/bin"
  merge_strategy = "prepend"
}

# The home directory: created once, kept across stop and start (it has no count), removed when the
# workspace is deleted (a delete build destroys everything).
resource "terraform_data" "home" {
  input = local.volume

  provisioner "local-exec" {
    command = "podman volume exists '${self.input}' || podman volume create '${self.input}'"
  }

  provisioner "local-exec" {
    when    = destroy
    command = "podman volume rm --force '${self.input}'"
  }
}

# The container: exists only while the workspace runs. Host networking lets the agent reach the
# server at the access URL the daemon was given; the init script travels in the container's
# environment and is run by the container's shell.
resource "terraform_data" "container" {
  count = data.outpost_workspace.me.start_count
  input = {
    name   = local.container
    image  = data.outpost_parameter.image.value
    volume = terraform_data.home.output
    mounts = join(" ", [for path in local.agent_mounts : "--volume '${path}:${path}:ro'"])
  }

  provisioner "local-exec" {
    command = <<-EOT
      podman run --detach --replace --name '${self.input.name}' --network host \
        --volume '${self.input.volume}:/home/outpost' --workdir /home/outpost \
        ${self.input.mounts} \
        --env OUTPOST_INIT --env HOME=/home/outpost \
        --env PATH=/usr/share/dotnet:/opt/outpost:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        '${self.input.image}' /bin/sh -c 'eval "$OUTPOST_INIT"'
    EOT
    environment = {
      OUTPOST_INIT = outpost_agent.main[0].init_script
    }
  }

  provisioner "local-exec" {
    when    = destroy
    command = "podman rm --force --time 10 '${self.input.name}'"
  }
}
