-- Magento keeps an order's totals in columns of sales_order (base
-- currency): one row each, the discount only when there is one.
SELECT t.id, t.code, t.title, t.value, t.sort_order
FROM (
  SELECT 1 AS id, 'sub_total' AS code, 'Subtotal' AS title, o.base_subtotal AS value, 1 AS sort_order
  FROM {prefix}sales_order o WHERE o.entity_id = :parent_id
  UNION ALL
  SELECT 2, 'discount', COALESCE(o.discount_description, 'Discount'), o.base_discount_amount, 2
  FROM {prefix}sales_order o WHERE o.entity_id = :parent_id AND o.base_discount_amount <> 0
  UNION ALL
  SELECT 3, 'shipping', 'Shipping & Handling', o.base_shipping_amount, 3
  FROM {prefix}sales_order o WHERE o.entity_id = :parent_id
  UNION ALL
  SELECT 4, 'tax', 'Tax', o.base_tax_amount, 4
  FROM {prefix}sales_order o WHERE o.entity_id = :parent_id
  UNION ALL
  SELECT 5, 'total', 'Grand Total', o.base_grand_total, 5
  FROM {prefix}sales_order o WHERE o.entity_id = :parent_id
) t
ORDER BY t.sort_order
