-- The allowed currencies (currency/options/allow) with their rate from the
-- base currency (directory_currency_rate); Magento has no currency ids or
-- symbols in the database (symbols come from the locale): ids are their
-- position in code order.
SELECT ROW_NUMBER() OVER (ORDER BY r.currency_to) AS id,
       r.currency_to AS code,
       r.currency_to AS name,
       NULL AS symbol_left,
       NULL AS symbol_right,
       r.rate AS rate,
       1 AS status
FROM {prefix}directory_currency_rate r
JOIN {prefix}core_config_data base
  ON base.path = 'currency/options/base' AND base.scope = 'default' AND base.scope_id = 0
 AND base.value = r.currency_from
JOIN {prefix}core_config_data allow
  ON allow.path = 'currency/options/allow' AND allow.scope = 'default' AND allow.scope_id = 0
WHERE FIND_IN_SET(r.currency_to, allow.value) > 0
ORDER BY r.currency_to
