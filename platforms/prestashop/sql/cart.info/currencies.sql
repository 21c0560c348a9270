-- 1.7.6+: names and symbols per language in currency_lang (the default
-- language's); the rate is the value of one unit of the default currency.
SELECT c.id_currency AS id, c.iso_code AS code,
       COALESCE(cl.name, c.name) AS name, cl.symbol AS symbol_left, NULL AS symbol_right,
       c.conversion_rate AS rate, c.active AS status
FROM {prefix}currency c
LEFT JOIN {prefix}currency_lang cl
       ON cl.id_currency = c.id_currency
      AND CAST(cl.id_lang AS CHAR) = (SELECT d.value FROM {prefix}configuration d
                                       WHERE d.name = 'PS_LANG_DEFAULT' AND d.id_shop IS NULL
                                         AND d.id_shop_group IS NULL LIMIT 1)
WHERE c.deleted = 0
ORDER BY c.id_currency
