-- :direction is 1 when the order gives its goods back to stock, -1 when it
-- takes them; only products that subtract stock move.
UPDATE {prefix}product
SET quantity = quantity + :direction * (SELECT SUM(op.quantity) FROM {prefix}order_product op
                                        WHERE op.order_id = :id AND op.product_id = {prefix}product.product_id)
WHERE subtract = 1
  AND product_id IN (SELECT op.product_id FROM {prefix}order_product op WHERE op.order_id = :id)
