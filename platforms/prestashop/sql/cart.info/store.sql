SELECT
  MAX(CASE WHEN c.name = 'PS_SHOP_NAME' THEN c.value END) AS store_name,
  MAX(CASE WHEN c.name = 'PS_LANG_DEFAULT'
           THEN (SELECT l.iso_code FROM {prefix}lang l WHERE CAST(l.id_lang AS CHAR) = c.value) END) AS default_language,
  MAX(CASE WHEN c.name = 'PS_CURRENCY_DEFAULT'
           THEN (SELECT cu.iso_code FROM {prefix}currency cu WHERE CAST(cu.id_currency AS CHAR) = c.value) END) AS default_currency,
  MAX(CASE WHEN c.name = 'PS_TIMEZONE' THEN c.value END) AS time_zone
FROM {prefix}configuration c
WHERE c.id_shop IS NULL AND c.id_shop_group IS NULL
  AND c.name IN ('PS_SHOP_NAME', 'PS_LANG_DEFAULT', 'PS_CURRENCY_DEFAULT', 'PS_TIMEZONE')
