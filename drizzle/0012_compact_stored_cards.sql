-- Stored cards become arrays: [card id, code, name, net, rewards, fees], rank = position + 1
-- (src/db/tables/recommendations.ts, StoredRecommendation). Rows stored as objects are rewritten.
UPDATE "recommendation_results" AS r
SET "recommendations" = (
  SELECT coalesce(jsonb_agg(jsonb_build_array(e->'cardId', e->'code', e->'name', e->'net', e->'rewards', e->'fees') ORDER BY x.ord), '[]'::jsonb)
  FROM jsonb_array_elements(r."recommendations") WITH ORDINALITY AS x(e, ord)
)
WHERE jsonb_typeof(r."recommendations") = 'array' AND jsonb_typeof(r."recommendations"->0) = 'object';
