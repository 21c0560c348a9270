-- The allowed currencies (currency/options/allow, a comma-separated list)
-- with their rate from the base currency (directory_currency_rate; the
-- base itself is 1). Magento keeps no currency ids, names or symbols in
-- the database (they come from the locale): ids are the position in code
-- order, the name is the code.
WITH RECURSIVE allowed (code, rest) AS (
  SELECT SUBSTRING_INDEX(c.value, ',', 1),
         SUBSTRING(c.value, CHAR_LENGTH(SUBSTRING_INDEX(c.value, ',', 1)) + 2)
  FROM {prefix}core_config_data c
  WHERE c.path = 'currency/options/allow' AND c.scope = 'default' AND c.scope_id = 0
  UNION ALL
  SELECT SUBSTRING_INDEX(a.rest, ',', 1),
         SUBSTRING(a.rest, CHAR_LENGTH(SUBSTRING_INDEX(a.rest, ',', 1)) + 2)
  FROM allowed a
  WHERE a.rest <> ''
)
SELECT ROW_NUMBER() OVER (ORDER BY a.code) AS id,
       a.code AS code,
       a.code AS name,
       NULL AS symbol_left,
       NULL AS symbol_right,
       COALESCE(r.rate, CASE WHEN a.code = base.value THEN 1 END) AS rate,
       1 AS status
FROM allowed a
LEFT JOIN {prefix}core_config_data base
       ON base.path = 'currency/options/base' AND base.scope = 'default' AND base.scope_id = 0
LEFT JOIN {prefix}directory_currency_rate r
       ON r.currency_from = base.value AND r.currency_to = a.code
ORDER BY a.code
