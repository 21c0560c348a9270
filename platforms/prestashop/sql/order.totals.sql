-- PrestaShop keeps an order's totals as columns of `orders`; they are
-- listed as lines: products, discounts and gift wrapping (when there are
-- any) and shipping tax excluded, the tax, and the total paid. The line
-- ids number the lines within the order.
SELECT t.id, t.code, t.title, t.value, t.sort_order FROM (
  SELECT 1 AS id, 'sub_total' AS code, 'Products' AS title, o.total_products AS value, 1 AS sort_order
    FROM {prefix}orders o WHERE o.id_order = :parent_id
  UNION ALL
  SELECT 2, 'discount', 'Discounts', -o.total_discounts_tax_excl, 2
    FROM {prefix}orders o WHERE o.id_order = :parent_id AND o.total_discounts_tax_excl <> 0
  UNION ALL
  SELECT 3, 'shipping', 'Shipping', o.total_shipping_tax_excl, 3
    FROM {prefix}orders o WHERE o.id_order = :parent_id
  UNION ALL
  SELECT 4, 'wrapping', 'Gift wrapping', o.total_wrapping_tax_excl, 4
    FROM {prefix}orders o WHERE o.id_order = :parent_id AND o.total_wrapping_tax_excl <> 0
  UNION ALL
  SELECT 5, 'tax', 'Taxes', o.total_paid_tax_incl - o.total_paid_tax_excl, 5
    FROM {prefix}orders o WHERE o.id_order = :parent_id
  UNION ALL
  SELECT 6, 'total', 'Total', o.total_paid_tax_incl, 6
    FROM {prefix}orders o WHERE o.id_order = :parent_id
) t
ORDER BY t.sort_order
