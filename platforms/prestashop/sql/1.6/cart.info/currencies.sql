-- 1.6: one name and sign per currency, in the currency row.
SELECT c.id_currency AS id, c.iso_code AS code, c.name AS name, c.sign AS symbol_left,
       NULL AS symbol_right, c.conversion_rate AS rate, c.active AS status
FROM {prefix}currency c
WHERE c.deleted = 0
ORDER BY c.id_currency
