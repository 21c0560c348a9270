-- Moves the order's goods by :direction (1: back to stock, -1: taken) in
-- the order shop's stock rows, as StockAvailable::updateQuantity does: the
-- line's row (the combination's, or the product's row 0), then a product's
-- row 0 becomes the sum of its combinations' rows. Leaving the canceled or
-- error state takes stock again only into a state that counts as validated
-- (logable), as PrestaShop does. Packs and products whose stock follows
-- the warehouses (depends_on_stock) are left to PrestaShop's own stock
-- manager; the physical and reserved quantities of 1.7+ are PrestaShop's
-- to recompute from its orders.
SELECT IF(sg.share_stock, 0, s.id_shop), IF(sg.share_stock, s.id_shop_group, 0)
  INTO @cb_stock_shop, @cb_stock_group
FROM {prefix}orders o
JOIN {prefix}shop s ON s.id_shop = o.id_shop
JOIN {prefix}shop_group sg ON sg.id_shop_group = s.id_shop_group
WHERE o.id_order = :id;
UPDATE {prefix}stock_available sa
JOIN (SELECT od.product_id, od.product_attribute_id, SUM(od.product_quantity) AS quantity
        FROM {prefix}order_detail od
        JOIN {prefix}product p ON p.id_product = od.product_id AND p.cache_is_pack = 0
       WHERE od.id_order = :id
       GROUP BY od.product_id, od.product_attribute_id) line
  ON sa.id_product = line.product_id AND sa.id_product_attribute = line.product_attribute_id
JOIN {prefix}stock_available product_row
  ON product_row.id_product = sa.id_product AND product_row.id_product_attribute = 0
 AND product_row.id_shop = sa.id_shop AND product_row.id_shop_group = sa.id_shop_group
SET sa.quantity = sa.quantity + :direction * line.quantity
WHERE sa.id_shop = @cb_stock_shop AND sa.id_shop_group = @cb_stock_group
  AND product_row.depends_on_stock = 0
  AND (:direction > 0 OR EXISTS (SELECT 1 FROM {prefix}order_state os
                                  WHERE CAST(os.id_order_state AS CHAR) = :status AND os.logable = 1));
UPDATE {prefix}stock_available sa
JOIN (SELECT c.id_product, SUM(c.quantity) AS quantity
        FROM {prefix}stock_available c
       WHERE c.id_product_attribute > 0 AND c.id_shop = @cb_stock_shop AND c.id_shop_group = @cb_stock_group
         AND c.id_product IN (SELECT od.product_id FROM {prefix}order_detail od
                               WHERE od.id_order = :id AND od.product_attribute_id > 0)
       GROUP BY c.id_product) total
  ON sa.id_product = total.id_product
SET sa.quantity = total.quantity
WHERE sa.id_product_attribute = 0 AND sa.id_shop = @cb_stock_shop AND sa.id_shop_group = @cb_stock_group;
