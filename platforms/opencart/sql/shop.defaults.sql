-- The default language (config_language; 4.1: config_language_catalog),
-- else the first language, and the shop's time zone.
SELECT l.language_id AS lang_id,
       (SELECT tz.value FROM {prefix}setting tz
         WHERE tz.store_id = 0 AND tz.code = 'config' AND tz.`key` = 'config_timezone') AS time_zone
FROM {prefix}language l
LEFT JOIN {prefix}setting s
       ON s.store_id = 0 AND s.code = 'config'
      AND s.`key` IN ('config_language', 'config_language_catalog') AND s.value = l.code
ORDER BY CASE WHEN s.setting_id IS NULL THEN 1 ELSE 0 END, l.sort_order, l.language_id
LIMIT 1
