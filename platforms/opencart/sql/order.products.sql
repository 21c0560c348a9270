SELECT op.order_product_id AS id,
       op.product_id AS product_id,
       NULL AS variant_of,
       op.name AS name,
       op.model AS model,
       op.quantity AS quantity,
       op.price AS price,
       op.total AS total,
       op.tax AS tax
FROM {prefix}order_product op
WHERE op.order_id = :parent_id
ORDER BY op.order_product_id
