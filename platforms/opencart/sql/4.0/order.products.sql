-- OpenCart 4.0+: a line for a variant names its master product.
SELECT op.order_product_id AS id,
       op.product_id AS product_id,
       op.master_id AS variant_of,
       op.name AS name,
       op.model AS model,
       op.quantity AS quantity,
       op.price AS price,
       op.total AS total,
       op.tax AS tax
FROM {prefix}order_product op
WHERE op.order_id = :parent_id
ORDER BY op.order_product_id
