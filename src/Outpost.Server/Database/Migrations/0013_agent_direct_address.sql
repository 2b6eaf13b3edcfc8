-- Where each agent accepts direct connections (IP:PORT), from its last manifest fetch; NULL when it accepts none.
-- Kept in the database so every replica can hand out direct tickets, whichever served the manifest.
ALTER TABLE workspace_agents ADD COLUMN direct_address text;
