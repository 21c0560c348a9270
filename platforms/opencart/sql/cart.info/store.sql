SELECT
  MAX(CASE WHEN s.`key` = 'config_name' THEN s.value END) AS store_name,
  MAX(CASE WHEN s.`key` IN ('config_language', 'config_language_catalog') THEN s.value END) AS default_language,
  MAX(CASE WHEN s.`key` = 'config_currency' THEN s.value END) AS default_currency,
  MAX(CASE WHEN s.`key` = 'config_timezone' THEN s.value END) AS time_zone
FROM {prefix}setting s
WHERE s.store_id = 0 AND s.code = 'config'
