-- HPOS keeps the totals in wc_orders (tax_amount is the cart's tax) and
-- wc_order_operational_data (shipping, its tax, discount); the sub-total
-- is the lines' _line_subtotal; tax is the cart's plus the shipping's.
-- Ids are positions (WooCommerce has no total rows).
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
  SELECT 2, 'discount', 'Discount', -d.discount_total_amount, 2
    FROM {prefix}wc_order_operational_data d
   WHERE d.order_id = :parent_id AND d.discount_total_amount <> 0
  UNION ALL
  SELECT 3, 'shipping', 'Shipping', d.shipping_total_amount, 3
    FROM {prefix}wc_order_operational_data d WHERE d.order_id = :parent_id
  UNION ALL
  SELECT 4, 'tax', 'Tax', COALESCE(o.tax_amount, 0) + COALESCE(d.shipping_tax_amount, 0), 4
    FROM {prefix}wc_orders o
    LEFT JOIN {prefix}wc_order_operational_data d ON d.order_id = o.id
   WHERE o.id = :parent_id
  UNION ALL
  SELECT 5, 'total', 'Total', o.total_amount, 5 FROM {prefix}wc_orders o WHERE o.id = :parent_id
) t
ORDER BY t.sort_order
