SELECT c.currency_id AS id, c.code AS code, c.title AS name, c.symbol_left AS symbol_left,
       c.symbol_right AS symbol_right, c.value AS rate, c.status AS status
FROM {prefix}currency c
ORDER BY c.currency_id
