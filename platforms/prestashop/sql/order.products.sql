-- The order_detail lines, prices tax excluded. A combination's line names
-- it as product.list does (1000000000 + id_product_attribute) with the
-- product as variant_of.
SELECT od.id_order_detail AS id,
       CASE WHEN od.product_attribute_id > 0 THEN 1000000000 + od.product_attribute_id
            ELSE od.product_id END AS product_id,
       CASE WHEN od.product_attribute_id > 0 THEN od.product_id END AS variant_of,
       od.product_name AS name,
       NULLIF(od.product_reference, '') AS model,
       od.product_quantity AS quantity,
       od.unit_price_tax_excl AS price,
       od.total_price_tax_excl AS total,
       od.unit_price_tax_incl - od.unit_price_tax_excl AS tax
FROM {prefix}order_detail od
WHERE od.id_order = :parent_id
ORDER BY od.id_order_detail
