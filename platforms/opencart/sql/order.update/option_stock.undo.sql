-- The same for the option values ordered (size, colour) that subtract stock.
UPDATE {prefix}product_option_value
SET quantity = quantity - :direction * (SELECT SUM(op.quantity)
    FROM {prefix}order_option oo
    JOIN {prefix}order_product op ON op.order_product_id = oo.order_product_id
    WHERE oo.order_id = :id
      AND oo.product_option_value_id = {prefix}product_option_value.product_option_value_id)
WHERE subtract = 1
  AND product_option_value_id IN (SELECT oo.product_option_value_id FROM {prefix}order_option oo
                                  WHERE oo.order_id = :id)
