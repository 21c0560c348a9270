-- The default language (PS_LANG_DEFAULT, else the first active one) and the
-- shop's time zone (PS_TIMEZONE). Global settings have id_shop and
-- id_shop_group NULL.
SELECT l.id_lang AS lang_id,
       (SELECT tz.value FROM {prefix}configuration tz
         WHERE tz.name = 'PS_TIMEZONE' AND tz.id_shop IS NULL AND tz.id_shop_group IS NULL
         LIMIT 1) AS time_zone
FROM {prefix}lang l
LEFT JOIN {prefix}configuration c
       ON c.name = 'PS_LANG_DEFAULT' AND c.id_shop IS NULL AND c.id_shop_group IS NULL
      AND c.value = CAST(l.id_lang AS CHAR)
ORDER BY CASE WHEN c.id_configuration IS NULL THEN 1 ELSE 0 END, l.active DESC, l.id_lang
LIMIT 1
