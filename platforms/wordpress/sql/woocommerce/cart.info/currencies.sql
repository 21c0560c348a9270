-- WooCommerce has one currency (option woocommerce_currency); its symbol
-- is in WooCommerce's code, not in the database.
SELECT 1 AS id,
       c.option_value AS code,
       c.option_value AS name,
       NULL AS symbol_left,
       NULL AS symbol_right,
       '1' AS rate,
       1 AS status
FROM {prefix}options c
WHERE c.option_name = 'woocommerce_currency'
