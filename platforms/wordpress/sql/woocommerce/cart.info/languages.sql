-- The site's locale (option WPLANG; empty means en_US).
SELECT 1 AS id,
       COALESCE(NULLIF(MAX(o.option_value), ''), 'en_US') AS code,
       COALESCE(NULLIF(MAX(o.option_value), ''), 'en_US') AS name,
       1 AS status
FROM {prefix}options o
WHERE o.option_name = 'WPLANG'
