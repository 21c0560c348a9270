SELECT
  MAX(CASE WHEN o.option_name = 'blogname' THEN o.option_value END) AS store_name,
  COALESCE(NULLIF(MAX(CASE WHEN o.option_name = 'WPLANG' THEN o.option_value END), ''), 'en_US') AS default_language,
  MAX(CASE WHEN o.option_name = 'woocommerce_currency' THEN o.option_value END) AS default_currency,
  COALESCE(NULLIF(MAX(CASE WHEN o.option_name = 'timezone_string' THEN o.option_value END), ''), 'UTC') AS time_zone
FROM {prefix}options o
WHERE o.option_name IN ('blogname', 'WPLANG', 'woocommerce_currency', 'timezone_string')
