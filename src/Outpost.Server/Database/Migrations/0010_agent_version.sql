-- The version each agent reports (its Outpost build) when it fetches its manifest; empty until then.
ALTER TABLE workspace_agents ADD COLUMN version text NOT NULL DEFAULT '';
