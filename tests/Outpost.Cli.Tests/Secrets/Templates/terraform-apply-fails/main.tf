# Fails every start build at apply time, after a resource holding the canary (baked in at plan
# time) was created: the state the apply leaves holds the value in plaintext.
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
  help_message = "present"
}

resource "terraform_data" "holds" {
  count = data.outpost_workspace.me.start_count
  input = data.outpost_secret.token.value
}

resource "terraform_data" "fails" {
  count      = data.outpost_workspace.me.start_count
  depends_on = [terraform_data.holds]
  provisioner "local-exec" {
    command = "echo 'failing on purpose' >&2; exit 3"
  }
}
