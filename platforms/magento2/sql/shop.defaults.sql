-- lang_id is a store view: the default store view of the default website.
-- Magento stores every time in UTC (the locale's time zone is only for
-- display), so the times are read as UTC.
SELECT g.default_store_id AS lang_id, 'UTC' AS time_zone
FROM {prefix}store_website w
JOIN {prefix}store_group g ON g.group_id = w.default_group_id
WHERE w.is_default = 1
LIMIT 1
