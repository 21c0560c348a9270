-- WooCommerce keeps an order's totals as postmeta: the sub-total is the
-- lines' _line_subtotal; the discount shows only when there is one; tax is
-- the cart's plus the shipping's. Ids are positions (WooCommerce has no
-- total rows).
SELECT t.id, t.code, t.title, t.value, t.sort_order
FROM (
  SELECT 1 AS id, 'sub_total' AS code, 'Subtotal' AS title,
         (SELECT CAST(SUM(im.meta_value) AS DECIMAL(26,8))
            FROM {prefix}woocommerce_order_items i
            JOIN {prefix}woocommerce_order_itemmeta im
              ON im.order_item_id = i.order_item_id AND im.meta_key = '_line_subtotal'
           WHERE i.order_id = :parent_id AND i.order_item_type = 'line_item') AS value,
         1 AS sort_order
  UNION ALL
  SELECT 2, 'discount', 'Discount', CAST(-m.meta_value AS DECIMAL(26,8)), 2
    FROM {prefix}postmeta m
   WHERE m.post_id = :parent_id AND m.meta_key = '_cart_discount' AND m.meta_value NOT IN ('', '0')
     AND CAST(m.meta_value AS DECIMAL(26,8)) <> 0
  UNION ALL
  SELECT 3, 'shipping', 'Shipping', m.meta_value, 3
    FROM {prefix}postmeta m WHERE m.post_id = :parent_id AND m.meta_key = '_order_shipping'
  UNION ALL
  SELECT 4, 'tax', 'Tax',
         CAST(COALESCE((SELECT SUM(x.meta_value) FROM {prefix}postmeta x
                         WHERE x.post_id = :parent_id AND x.meta_key IN ('_order_tax', '_order_shipping_tax')), 0)
              AS DECIMAL(26,8)), 4
  UNION ALL
  SELECT 5, 'total', 'Total', m.meta_value, 5
    FROM {prefix}postmeta m WHERE m.post_id = :parent_id AND m.meta_key = '_order_total'
) t
ORDER BY t.sort_order
