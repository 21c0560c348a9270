-- Settings of the default scope (core_config_data): store name, the
-- default store view's locale, default currency, the locale's time zone.
SELECT
  COALESCE(MAX(CASE WHEN c.path = 'general/store_information/name' THEN c.value END),
           (SELECT s.name FROM {prefix}store_website w
             JOIN {prefix}store_group g ON g.group_id = w.default_group_id
             JOIN {prefix}store s ON s.store_id = g.default_store_id
             WHERE w.is_default = 1 LIMIT 1)) AS store_name,
  MAX(CASE WHEN c.path = 'general/locale/code' THEN c.value END) AS default_language,
  MAX(CASE WHEN c.path = 'currency/options/default' THEN c.value END) AS default_currency,
  MAX(CASE WHEN c.path = 'general/locale/timezone' THEN c.value END) AS time_zone
FROM {prefix}core_config_data c
WHERE c.scope = 'default' AND c.scope_id = 0
