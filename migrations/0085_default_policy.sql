-- The default policy as a real row (docs/adr/0035): `pol_default` decides listing previews that
-- name no policy, and is listed, read, evaluated and used by /ready like any other policy. Its
-- document is the seed's default without the 30-day data-age limit (BUILTIN_DEFAULT_POLICY in
-- packages/core/src/policy/preview.ts; a test checks the two agree). Operators may PATCH it,
-- disable it or delete it; a migration never overwrites what they did.
INSERT INTO policies (policy_id, name, enabled, doc)
VALUES (
  'pol_default',
  'Default',
  true,
  '{"minConfs": 6, "allowRecalled": false, "classificationAllowList": ["public", "internal"], "licenseAllowList": ["MIT", "Apache-2.0", "GPL-3.0", "CC-BY-4.0"], "maxLineageDepth": 10, "minProducerUptime": 95}'::jsonb
)
ON CONFLICT (policy_id) DO NOTHING;
