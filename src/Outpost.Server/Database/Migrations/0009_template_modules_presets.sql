-- Terraform templates: the archive of .terraform/modules made at import (builds unpack it instead
-- of downloading modules, so module versions are pinned at import) and the presets the template
-- declares (outpost_workspace_preset: name, description, default, parameter values), kept as
-- the import reported them; nothing queries inside them yet.
ALTER TABLE template_versions
    ADD COLUMN modules_file_hash text REFERENCES files (hash),
    ADD COLUMN presets jsonb NOT NULL DEFAULT '[]';
