-- Order lines (both order storages): line_item rows of
-- woocommerce_order_items with their itemmeta. The product is the
-- variation when one was ordered; price is the unit price before
-- discounts (_line_subtotal / _qty), total the line after them, tax the
-- unit tax, all excluding tax.
SELECT i.order_item_id AS id,
       COALESCE(NULLIF(MAX(CASE WHEN m.meta_key = '_variation_id' THEN m.meta_value END), '0'),
                MAX(CASE WHEN m.meta_key = '_product_id' THEN m.meta_value END)) AS product_id,
       CASE WHEN MAX(CASE WHEN m.meta_key = '_variation_id' THEN m.meta_value END) NOT IN ('', '0')
            THEN MAX(CASE WHEN m.meta_key = '_product_id' THEN m.meta_value END) END AS variant_of,
       i.order_item_name AS name,
       NULL AS model,
       CAST(MAX(CASE WHEN m.meta_key = '_qty' THEN m.meta_value END) AS SIGNED) AS quantity,
       CAST(MAX(CASE WHEN m.meta_key = '_line_subtotal' THEN m.meta_value END)
            / NULLIF(MAX(CASE WHEN m.meta_key = '_qty' THEN m.meta_value END), 0) AS DECIMAL(19,4)) AS price,
       MAX(CASE WHEN m.meta_key = '_line_total' THEN m.meta_value END) AS total,
       CAST(MAX(CASE WHEN m.meta_key = '_line_tax' THEN m.meta_value END)
            / NULLIF(MAX(CASE WHEN m.meta_key = '_qty' THEN m.meta_value END), 0) AS DECIMAL(19,4)) AS tax
FROM {prefix}woocommerce_order_items i
LEFT JOIN {prefix}woocommerce_order_itemmeta m
  ON m.order_item_id = i.order_item_id
 AND m.meta_key IN ('_product_id', '_variation_id', '_qty', '_line_subtotal', '_line_total', '_line_tax')
WHERE i.order_id = :parent_id AND i.order_item_type = 'line_item'
GROUP BY i.order_item_id, i.order_item_name
ORDER BY i.order_item_id
