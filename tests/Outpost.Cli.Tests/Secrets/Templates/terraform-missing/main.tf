# Fails every start build at plan time: it needs a secret nobody has, while the owner's canary is
# in the plan's environment.
terraform {
  required_providers {
    outpost = {
      source = "outpost/outpost"
    }
  }
}

data "outpost_secret" "token" {
  env          = "CANARY_TOKEN"
  help_message = "present"
}

data "outpost_secret" "missing" {
  env          = "NOBODY_HAS_THIS"
  help_message = "this one is missing on purpose"
}
