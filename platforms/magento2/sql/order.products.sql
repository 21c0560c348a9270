-- The order's lines. A configurable product is ordered as two rows: the
-- parent's (price and totals) and the chosen simple child's
-- (parent_item_id, zero amounts); the line answers with the parent's
-- amounts and the child's product and name, variant_of being the
-- configurable. Other children (bundle parts) stay inside their parent.
-- Amounts are the base currency's; tax is per unit.
SELECT i.item_id AS id,
       COALESCE(ch.product_id, i.product_id) AS product_id,
       CASE WHEN ch.item_id IS NULL THEN NULL ELSE i.product_id END AS variant_of,
       COALESCE(ch.name, i.name) AS name,
       i.sku AS model,
       CAST(FLOOR(i.qty_ordered) AS SIGNED) AS quantity,
       i.base_price AS price,
       i.base_row_total AS total,
       ROUND(i.base_tax_amount / NULLIF(i.qty_ordered, 0), 4) AS tax
FROM {prefix}sales_order_item i
LEFT JOIN {prefix}sales_order_item ch
       ON i.product_type = 'configurable'
      AND ch.item_id = (SELECT MIN(c.item_id) FROM {prefix}sales_order_item c WHERE c.parent_item_id = i.item_id)
WHERE i.order_id = :parent_id AND i.parent_item_id IS NULL
ORDER BY i.item_id
